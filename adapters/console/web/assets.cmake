# The operators' console's pages: plain HTML, CSS and ES modules from src/, plus Chart.js from npm, pinned by
# package-lock.json. The target mezhved_console_assets copies them into ${CMAKE_BINARY_DIR}/console-assets:
#
#   console-assets/index.html                 the one page (hash routing: the server serves it for the console)
#   console-assets/assets/app.js, ...         src/ as it is, subdirectories kept (assets/pages/overview.js)
#   console-assets/assets/chart.umd.min.js    Chart.js 4's UMD bundle, @kurkle/color included
#   console-assets/assets/chart.js-LICENSE.md its licence
#
# Nothing is fetched from the internet at run time, and there is no bundler: the browser loads the modules as they
# are. Included from adapters/console/CMakeLists.txt, which makes the library depend on the target.
#
# `npm ci` runs in this build directory, not in the source tree: the several build trees of one checkout may build
# at once, and `npm ci` begins by deleting node_modules. Its stamp lives inside node_modules, so a deleted
# node_modules or a changed package.json or package-lock.json reruns it, and nothing else does.
include(GNUInstallDirs)
find_program(MEZHVED_NPM npm REQUIRED)

set(console_web_dir ${CMAKE_CURRENT_LIST_DIR})
set(console_npm_dir ${CMAKE_CURRENT_BINARY_DIR}/web-npm)
set(console_npm_stamp ${console_npm_dir}/node_modules/.mezhved-npm-ci.stamp)
set(console_chart_dir ${console_npm_dir}/node_modules/chart.js)
set(MEZHVED_CONSOLE_ASSETS_DIR ${CMAKE_BINARY_DIR}/console-assets
    CACHE INTERNAL "Where the build puts the operators' console's pages")
set(MEZHVED_CONSOLE_INSTALLED_ASSETS_DIR ${CMAKE_INSTALL_FULL_DATADIR}/mezhved/console
    CACHE INTERNAL "Where `cmake --install` puts the operators' console's pages")

file(MAKE_DIRECTORY ${console_npm_dir})  # npm ci's working directory must exist before it runs
add_custom_command(
  OUTPUT ${console_npm_stamp}
  COMMAND ${CMAKE_COMMAND} -E copy ${console_web_dir}/package.json ${console_web_dir}/package-lock.json
          ${console_npm_dir}
  COMMAND ${MEZHVED_NPM} ci --no-audit --no-fund --loglevel=error
  COMMAND ${CMAKE_COMMAND} -E touch ${console_npm_stamp}
  WORKING_DIRECTORY ${console_npm_dir}
  DEPENDS ${console_web_dir}/package.json ${console_web_dir}/package-lock.json
  COMMENT "npm ci for the console's pages (adapters/console/web/package-lock.json)"
  VERBATIM)

# Every file of src/ (CONFIGURE_DEPENDS: a new file is picked up without rerunning cmake by hand). cmake -E copy
# gives each copy a fresh mtime, so an unchanged source copies nothing on the next build.
file(GLOB_RECURSE console_sources CONFIGURE_DEPENDS RELATIVE ${console_web_dir}/src ${console_web_dir}/src/*)
list(SORT console_sources)
set(console_outputs)
set(console_copy_commands)
foreach(source IN LISTS console_sources)
  if(source STREQUAL "index.html")
    set(output ${MEZHVED_CONSOLE_ASSETS_DIR}/index.html)
  else()
    set(output ${MEZHVED_CONSOLE_ASSETS_DIR}/assets/${source})
  endif()
  list(APPEND console_outputs ${output})
  list(APPEND console_copy_commands COMMAND ${CMAKE_COMMAND} -E copy ${console_web_dir}/src/${source} ${output})
endforeach()
list(TRANSFORM console_sources PREPEND ${console_web_dir}/src/ OUTPUT_VARIABLE console_source_paths)

set(console_chart_outputs ${MEZHVED_CONSOLE_ASSETS_DIR}/assets/chart.umd.min.js
                          ${MEZHVED_CONSOLE_ASSETS_DIR}/assets/chart.js-LICENSE.md)
add_custom_command(
  OUTPUT ${console_outputs}
  ${console_copy_commands}
  DEPENDS ${console_source_paths}
  COMMENT "Copying the console's pages into ${MEZHVED_CONSOLE_ASSETS_DIR}"
  VERBATIM)
add_custom_command(
  OUTPUT ${console_chart_outputs}
  COMMAND ${CMAKE_COMMAND} -E copy ${console_chart_dir}/dist/chart.umd.min.js
          ${MEZHVED_CONSOLE_ASSETS_DIR}/assets/chart.umd.min.js
  COMMAND ${CMAKE_COMMAND} -E copy ${console_chart_dir}/LICENSE.md
          ${MEZHVED_CONSOLE_ASSETS_DIR}/assets/chart.js-LICENSE.md
  DEPENDS ${console_npm_stamp}
  COMMENT "Copying Chart.js into ${MEZHVED_CONSOLE_ASSETS_DIR}/assets"
  VERBATIM)
add_custom_target(mezhved_console_assets DEPENDS ${console_outputs} ${console_chart_outputs})

install(DIRECTORY ${MEZHVED_CONSOLE_ASSETS_DIR}/ DESTINATION ${CMAKE_INSTALL_DATADIR}/mezhved/console COMPONENT daemon)
