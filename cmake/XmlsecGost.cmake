# xmlsec1 with GOST R 34.10-2012 (docs/SIGNATURES.md). Debian 12's libxmlsec1 is built with GOST compiled out, so the
# project builds Debian's own xmlsec1 sources (fetched, with Debian's patches applied, by tools/install-deps.sh into
# third_party/xmlsec1) with upstream's --enable-gost2012 --enable-openssl3-engines, as static libraries in the build
# tree, and links those instead. XSLT is left out (the gateway never runs XSLT transforms) and the crypto backend is
# linked, not dlopen'ed. Defines the target mezhved::xmlsec.
include(ExternalProject)

file(GLOB _xmlsec_sources "${PROJECT_SOURCE_DIR}/third_party/xmlsec1/xmlsec1-1.2.*/configure")
if(NOT _xmlsec_sources)
  message(FATAL_ERROR "xmlsec1's sources are missing from third_party/xmlsec1: run tools/install-deps.sh (as root)")
endif()
list(GET _xmlsec_sources 0 _xmlsec_configure)
get_filename_component(_xmlsec_source_dir "${_xmlsec_configure}" DIRECTORY)

set(_xmlsec_prefix "${CMAKE_BINARY_DIR}/xmlsec-gost")
set(_xmlsec_libs "${_xmlsec_prefix}/lib/libxmlsec1-openssl.a" "${_xmlsec_prefix}/lib/libxmlsec1.a")
ExternalProject_Add(xmlsec_gost_build
  SOURCE_DIR "${_xmlsec_source_dir}"
  BINARY_DIR "${CMAKE_BINARY_DIR}/xmlsec-gost-build"
  INSTALL_DIR "${_xmlsec_prefix}"
  CONFIGURE_COMMAND <SOURCE_DIR>/configure --quiet --prefix=<INSTALL_DIR> --enable-static --disable-shared --with-pic
    --enable-gost2012 --enable-openssl3-engines --disable-crypto-dl --disable-apps-crypto-dl
    --without-nss --without-gnutls --without-gcrypt --without-libxslt --disable-docs
  BUILD_COMMAND make -s
  INSTALL_COMMAND make -s install
  BUILD_BYPRODUCTS ${_xmlsec_libs} "${_xmlsec_prefix}/bin/xmlsec1"
  LOG_CONFIGURE ON LOG_BUILD ON LOG_INSTALL ON LOG_OUTPUT_ON_FAILURE ON)

file(MAKE_DIRECTORY "${_xmlsec_prefix}/include/xmlsec1")
find_package(LibXml2 REQUIRED)
add_library(mezhved_xmlsec INTERFACE)
add_library(mezhved::xmlsec ALIAS mezhved_xmlsec)
add_dependencies(mezhved_xmlsec xmlsec_gost_build)
target_include_directories(mezhved_xmlsec SYSTEM INTERFACE "${_xmlsec_prefix}/include/xmlsec1")
# The same definitions as the build's xmlsec1-openssl.pc: they select the ABI the libraries were compiled with.
target_compile_definitions(mezhved_xmlsec INTERFACE
  __XMLSEC_FUNCTION__=__func__ XMLSEC_NO_SIZE_T XMLSEC_NO_XSLT=1 XMLSEC_OPENSSL3_ENGINES=1 XMLSEC_NO_GOST=1
  XMLSEC_NO_CRYPTO_DYNAMIC_LOADING=1 XMLSEC_CRYPTO_OPENSSL=1 XMLSEC_STATIC)
target_link_libraries(mezhved_xmlsec INTERFACE ${_xmlsec_libs} LibXml2::LibXml2 OpenSSL::SSL OpenSSL::Crypto)
# The xmlsec1 command-line tool of that build: the tests use it to check GOST seals independently.
set(MEZHVED_XMLSEC_GOST_TOOL "${_xmlsec_prefix}/bin/xmlsec1" CACHE INTERNAL "xmlsec1 CLI with GOST")
