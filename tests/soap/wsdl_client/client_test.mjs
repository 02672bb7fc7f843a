// Drives the gateway's SOAP service (schemas/soap/1/exchange.wsdl) with the stock npm `soap` package, as an agency's
// integrator would: a request from the requester to the addressee and its answer, end to end.
//
//   node client_test.mjs --wsdl http://127.0.0.1:7792/soap?wsdl [--soap12] \
//     [--requester SOCPROT-BIYSK] [--addressee ZAGS-BIYSK] [--information-type zags.civil-status-record] \
//     [--version 1.0] [--payload FILE] [--response-payload FILE] [--authority CODE] [--fault-status 4xx]
//   node client_test.mjs --offline [--serve-wsdl] [--capture DIR] [--soap12]
//
// The gateway must run in insecure loopback mode: each call names its organisation in the HTTP header
// x-mezhved-organisation. Steps: SendRequest (requester), the same again (a duplicate), GetRequest (addressee) until
// the request comes, Ack, SendResponse with data (addressee), GetResponse (requester) until the response comes, Ack,
// GetMessageState of the request (ANSWERED), GetIncomingQueueStatistics, GetStatus, and a SendRequest to an
// organisation that does not exist, which must be a SOAP fault with x:Error/x:Code and an HTTP status of
// --fault-status (default 4xx; e.g. "500" or "400,500").
//
// --offline checks the client side alone: the WSDL comes from schemas/soap/1/exchange.wsdl and the calls go to a
// small HTTP server started here, which plays the gateway with the examples of schemas/soap/1/examples (echoing the
// caller's MessageID and TransactionCode), checks each call's SOAP version, action and organisation header, and with
// --capture DIR writes every request body there (NN-Operation.xml) for offline_check.sh to validate against
// exchange.xsd. The defaults (parties, information type, payloads) are the examples' own. With --serve-wsdl the
// stand-in also serves the WSDL the way the daemon does, at /soap?wsdl with its two literals rewritten (the import's
// schemaLocation to its /schemas/soap/1/exchange.xsd, the ports' location to its /soap) and the XSDs under
// /schemas/, and the client loads it from there and calls the location the WSDL names.
//
// Prints one line per step; exits 0 when every step passed, 1 with the reason otherwise, 2 on a usage error.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import soap from 'soap';

const here = path.dirname(fileURLToPath(import.meta.url));
const schemas = path.resolve(here, '../../../schemas');
const X_NS = 'urn:mezhved:exchange:1';
const SOAP11_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
const SOAP12_NS = 'http://www.w3.org/2003/05/soap-envelope';
const NO_SUCH_ORGANISATION = 'MEZHVED-TEST-NO-SUCH-ORG';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

class Failure extends Error {}

function usage(message) {
  console.error(`client_test.mjs: ${message}`);
  console.error('usage: node client_test.mjs (--wsdl URL | --offline [--serve-wsdl] [--capture DIR]) [--soap12]');
  console.error('         [--requester CODE] [--addressee CODE] [--information-type ID] [--version V]');
  console.error('         [--payload FILE] [--response-payload FILE] [--authority CODE]');
  console.error('         [--fault-status 4xx|5xx|CODE,...]');
  process.exit(2);
}

function parseArgs(argv) {
  const options = {
    wsdl: '',
    requester: 'SOCPROT-BIYSK',
    addressee: 'ZAGS-BIYSK',
    informationType: 'zags.civil-status-record',
    version: '1.0',
    payload: path.join(schemas, 'examples/zags.civil-status-record.request.xml'),
    responsePayload: path.join(schemas, 'examples/zags.civil-status-record.response.xml'),
    authority: 'social-services.recognition-of-need',
    faultStatus: '4xx',
    soap12: false,
    offline: false,
    serveWsdl: false,
    capture: '',
  };
  const valued = {
    '--wsdl': 'wsdl',
    '--requester': 'requester',
    '--addressee': 'addressee',
    '--information-type': 'informationType',
    '--version': 'version',
    '--payload': 'payload',
    '--response-payload': 'responsePayload',
    '--authority': 'authority',
    '--fault-status': 'faultStatus',
    '--capture': 'capture',
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--soap12') {
      options.soap12 = true;
    } else if (arg === '--offline') {
      options.offline = true;
    } else if (arg === '--serve-wsdl') {
      options.serveWsdl = true;
    } else if (arg === '--help' || arg === '-h') {
      usage('help');
    } else if (valued[arg]) {
      if (i + 1 >= argv.length) usage(`${arg} needs a value`);
      options[valued[arg]] = argv[++i];
    } else {
      usage(`unknown argument ${arg}`);
    }
  }
  if (options.offline) {
    if (options.serveWsdl && options.wsdl) usage('--serve-wsdl and --wsdl exclude each other');
    options.wsdl ||= path.join(schemas, 'soap/1/exchange.wsdl');
  } else if (!options.wsdl) {
    usage('--wsdl URL is required (or --offline)');
  }
  if ((options.capture || options.serveWsdl) && !options.offline) usage('--capture and --serve-wsdl are for --offline');
  if (!/^([45]xx|\d{3})(,([45]xx|\d{3}))*$/.test(options.faultStatus)) {
    usage('--fault-status: e.g. 4xx, 500 or 400,500');
  }
  return options;
}

// --- Small helpers ---------------------------------------------------------------------------------------------------

// The information type's document as the element to embed: no XML declaration, BOM or comments before the root.
function readDocument(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new Failure(`cannot read ${file}: ${error.message}`);
  }
  text = text.replace(/^\uFEFF/, '').replace(/^\s*<\?xml[^>]*\?>/, '');
  for (;;) {
    const stripped = text.replace(/^\s*<!--[\s\S]*?-->/, '');
    if (stripped === text) break;
    text = stripped;
  }
  text = text.trim();
  const root = /^<(?:([A-Za-z_][\w.-]*):)?([A-Za-z_][\w.-]*)([^>]*)>/.exec(text);
  if (!root) throw new Failure(`${file}: no root element`);
  const [, prefix, localName, attributes] = root;
  const declaration = new RegExp(`xmlns${prefix ? ':' + prefix : ''}\\s*=\\s*(["'])(.*?)\\1`).exec(attributes);
  return { xml: text, localName, namespace: declaration ? declaration[2] : '' };
}

const asArray = (value) => (value === undefined || value === null ? [] : Array.isArray(value) ? value : [value]);
// node-soap types values only when it recognises the response (see the report): accept both forms.
function asText(value) {
  if (value === undefined || value === null) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object' && '$value' in value) return String(value.$value);
  return String(value);
}
const asBool = (value) => value === true || asText(value) === 'true' || asText(value) === '1';

function expect(condition, message) {
  if (!condition) throw new Failure(message);
}
function expectEqual(actual, wanted, what) {
  expect(asText(actual) === wanted, `${what} is '${asText(actual)}', expected '${wanted}'`);
}

const isoDate = (date) => date.toISOString().slice(0, 10);
const statusMatches = (status, spec) =>
  spec
    .split(',')
    .some((item) => (item.endsWith('xx') ? Math.floor(status / 100) === Number(item[0]) : status === Number(item)));

// --- The offline stand-in for the gateway ---------------------------------------------------------------------------

// Answers each call with the example response of its operation (schemas/soap/1/examples), in the SOAP version of the
// call, after checking the call's SOAP version, action and organisation header. Echoes the caller's MessageID
// (SenderMessageID) and TransactionCode, marks a repeated MessageID as a duplicate, and answers a SendRequest to
// NO_SUCH_ORGANISATION with the SOAP fault example.
class FakeGateway {
  constructor(soap12, captureDir) {
    this.soap12 = soap12;
    this.captureDir = captureDir;
    this.calls = 0;
    this.expected = null; // { operation, organisation } of the next call
    this.problems = [];
    this.senderIds = new Set();
    this.transactionCode = '';
    this.examples = path.join(schemas, 'soap/1/examples');
  }

  example(name) {
    let text = fs.readFileSync(path.join(this.examples, name), 'utf8');
    if (!name.startsWith('fault.')) {
      text = text.split(this.soap12 ? SOAP11_NS : SOAP12_NS).join(this.soap12 ? SOAP12_NS : SOAP11_NS);
    }
    return text;
  }

  async start() {
    this.server = http.createServer((request, response) => {
      const chunks = [];
      request.on('data', (chunk) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let answer;
        try {
          answer = this.answer(request, body);
        } catch (error) {
          this.problems.push(error.message);
          answer = { status: 500, type: 'text/plain; charset=utf-8', body: `fake gateway: ${error.message}\n` };
        }
        response.writeHead(answer.status, { 'Content-Type': answer.type });
        response.end(answer.body);
      });
    });
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${this.server.address().port}/soap`;
  }

  stop() {
    this.server?.close();
  }

  // GET: the WSDL and the XSDs, as the daemon serves them.
  serveSchemas(request) {
    const base = `http://127.0.0.1:${this.server.address().port}`;
    const text = { status: 200, type: 'text/xml; charset=utf-8' };
    if (request.url === '/soap?wsdl') {
      const wsdl = fs.readFileSync(path.join(schemas, 'soap/1/exchange.wsdl'), 'utf8');
      const served = wsdl
        .replace('schemaLocation="exchange.xsd"', `schemaLocation="${base}/schemas/soap/1/exchange.xsd"`)
        .split('location="http://localhost:7792/soap"')
        .join(`location="${base}/soap"`);
      return { ...text, body: served };
    }
    const file = /^\/schemas\/([\w./-]+\.xsd)$/.exec(request.url)?.[1];
    if (file && !file.split('/').includes('..') && fs.existsSync(path.join(schemas, file))) {
      return { ...text, body: fs.readFileSync(path.join(schemas, file), 'utf8') };
    }
    throw new Error(`GET ${request.url}: not served`);
  }

  answer(request, body) {
    if (request.method === 'GET') return this.serveSchemas(request);
    if (request.method !== 'POST' || request.url !== '/soap') {
      throw new Error(`${request.method} ${request.url}: expected POST /soap`);
    }
    const contentType = request.headers['content-type'] || '';
    let action;
    if (this.soap12) {
      const match = /^application\/soap\+xml\s*;(.*\baction\s*=\s*"([^"]*)")?/i.exec(contentType);
      if (!match) throw new Error(`SOAP 1.2 call with Content-Type '${contentType}'`);
      action = match[2] || '';
      if (!body.includes(SOAP12_NS)) throw new Error('SOAP 1.2 call without the SOAP 1.2 envelope namespace');
    } else {
      if (!/^text\/xml\b/i.test(contentType)) throw new Error(`SOAP 1.1 call with Content-Type '${contentType}'`);
      action = (request.headers.soapaction || '').replace(/^"|"$/g, '');
      if (!body.includes(SOAP11_NS)) throw new Error('SOAP 1.1 call without the SOAP 1.1 envelope namespace');
    }
    if (!action.startsWith(`${X_NS}:`)) throw new Error(`action '${action}' is not ${X_NS}:<operation>`);
    const operation = action.slice(X_NS.length + 1);
    const element = /<(?:[\w.-]+:)?Body[^>]*>\s*<(?:[\w.-]+:)?([\w.-]+)[\s>/]/.exec(body);
    if (!element || element[1] !== `${operation}Request`) {
      throw new Error(`action ${operation}, but the Body's element is ${element ? element[1] : 'missing'}`);
    }
    const organisation = request.headers['x-mezhved-organisation'] || '';
    if (this.expected) {
      const { operation: wanted, organisation: caller } = this.expected;
      if (operation !== wanted) throw new Error(`${operation} called, ${wanted} expected`);
      if (organisation !== caller) {
        throw new Error(`${operation} with x-mezhved-organisation '${organisation}', expected '${caller}'`);
      }
    }
    this.calls += 1;
    if (this.captureDir) {
      const name = `${String(this.calls).padStart(2, '0')}-${operation}`;
      fs.writeFileSync(path.join(this.captureDir, `${name}.xml`), body);
      const headers = {
        'content-type': contentType,
        soapaction: request.headers.soapaction ?? null,
        'x-mezhved-organisation': organisation,
      };
      fs.writeFileSync(path.join(this.captureDir, `${name}.headers.json`), JSON.stringify(headers, null, 2) + '\n');
    }
    const type = this.soap12 ? 'application/soap+xml; charset=utf-8' : 'text/xml; charset=utf-8';
    if (operation === 'SendRequest' && body.includes(`>${NO_SUCH_ORGANISATION}<`)) {
      return { status: 400, type, body: this.example(this.soap12 ? 'fault.soap12.xml' : 'fault.soap11.xml') };
    }
    let text = this.example(`${operation}.response.xml`);
    const senderId = /<(?:[\w.-]+:)?MessageID>([^<]*)</.exec(body)?.[1];
    if (operation === 'SendRequest' || operation === 'SendResponse') {
      text = text.replace(/(<(?:[\w.-]+:)?SenderMessageID>)[^<]*/, `$1${senderId}`);
      if (this.senderIds.has(senderId)) text = text.replace(/(<(?:[\w.-]+:)?Duplicate>)false/, '$1true');
      this.senderIds.add(senderId);
    }
    if (operation === 'SendRequest') {
      this.transactionCode = /<(?:[\w.-]+:)?TransactionCode>([^<]*)</.exec(body)?.[1] || '';
    }
    if ((operation === 'GetRequest' || operation === 'GetResponse') && this.transactionCode) {
      text = text.replace(/(<m:TransactionCode>)[^<]*/, `$1${this.transactionCode}`);
    }
    return { status: 200, type, body: text };
  }
}

// --- The calls -----------------------------------------------------------------------------------------------------

class Exchange {
  constructor(client, soap12, fake) {
    this.client = client;
    this.port = client.ExchangeService[soap12 ? 'ExchangeSoap12Port' : 'ExchangeSoap11Port'];
    this.fake = fake;
    this.lastStatus = 0;
    client.on('response', (body, response) => {
      this.lastStatus = response?.status ?? 0;
    });
  }

  // Calls `operation` as `organisation`: { result, status } or { fault, status } for a SOAP fault.
  call(operation, organisation, args) {
    const method = this.port[operation];
    expect(typeof method === 'function', `the WSDL has no operation ${operation} on the chosen port`);
    if (this.fake) this.fake.expected = { operation, organisation };
    this.lastStatus = 0;
    return new Promise((resolve, reject) => {
      method(
        args,
        (error, result, rawResponse) => {
          if (!error) {
            resolve({ result: result ?? {}, status: this.lastStatus, raw: rawResponse });
            return;
          }
          const fault = error.root?.Envelope?.Body?.Fault;
          if (fault) {
            resolve({ fault, status: error.response?.status ?? this.lastStatus, raw: error.body });
            return;
          }
          const status = error.response?.status;
          let body = typeof error.body === 'string' ? error.body : error.response?.data;
          body = typeof body === 'string' && body ? `: ${body.slice(0, 500)}` : '';
          const statusText = status ? ` (HTTP ${status})` : '';
          // node-soap rejects a body that is not XML with a plain object { Fault: { faultstring, detail } }.
          const reason = error.message ?? `${error.Fault?.faultstring}: ${error.Fault?.detail}`;
          reject(new Failure(`${operation} as ${organisation}: ${reason}${statusText}${body}`));
        },
        { timeout: 30000 },
        { 'x-mezhved-organisation': organisation },
      );
    });
  }

  async ok(operation, organisation, args) {
    const answer = await this.call(operation, organisation, args);
    if (answer.fault) {
      const fault = describeFault(answer.fault);
      throw new Failure(`${operation} as ${organisation}: SOAP fault ${fault} (HTTP ${answer.status})`);
    }
    expect(answer.status === 200, `${operation} as ${organisation}: HTTP ${answer.status}, expected 200`);
    return answer.result;
  }
}

// The x:Error of a fault's detail (SOAP 1.1 detail, SOAP 1.2 Detail).
const errorOf = (fault) => (fault.detail ?? fault.Detail)?.Error;
function describeFault(fault) {
  const error = errorOf(fault);
  if (error) return `${asText(error.Code)}: ${asText(error.Message)}`;
  return asText(fault.faultstring ?? fault.Reason?.Text) || JSON.stringify(fault);
}

// Takes messages with `operation` until the one with `id` comes (older messages of the queue are left leased, not
// acknowledged): the ReceivedMessage under `key`.
async function receive(exchange, operation, key, organisation, selector, id) {
  for (let attempt = 1; attempt <= 20; attempt++) {
    const result = await exchange.ok(operation, organisation, {
      MessageTypeSelector: { ...selector, Timestamp: new Date().toISOString() },
      WaitMilliseconds: 2000,
    });
    const received = result[key];
    if (!received) continue;
    const got = asText(received.MessageMetadata?.MessageID);
    if (got === id) return received;
    console.log(`     ${operation}: skipped an older message ${got}`);
  }
  throw new Failure(`${operation} as ${organisation}: message ${id} did not come`);
}

async function run(options) {
  const request = readDocument(options.payload);
  const response = readDocument(options.responsePayload);
  const version = options.soap12 ? 'SOAP 1.2' : 'SOAP 1.1';
  let fake = null;
  const clientOptions = { forceSoap12Headers: options.soap12 };
  if (options.offline) {
    if (options.capture) fs.mkdirSync(options.capture, { recursive: true });
    fake = new FakeGateway(options.soap12, options.capture);
    const endpoint = await fake.start();
    if (options.serveWsdl) {
      options.wsdl = `${endpoint}?wsdl`;
    } else {
      clientOptions.endpoint = endpoint;
    }
  }
  try {
    let client;
    try {
      client = await soap.createClientAsync(options.wsdl, clientOptions);
    } catch (error) {
      throw new Failure(`cannot load the WSDL ${options.wsdl}: ${error.message}`);
    }
    const exchange = new Exchange(client, options.soap12, fake);
    const ports = Object.keys(client.describe().ExchangeService || {}).join(', ');
    const port = options.soap12 ? 'ExchangeSoap12Port' : 'ExchangeSoap11Port';
    const location = clientOptions.endpoint || client.wsdl.services?.ExchangeService?.ports?.[port]?.location;
    const offline = fake ? ' (offline)' : '';
    console.log(`ok   WSDL ${options.wsdl}: ExchangeService (${ports}); ${version} to ${location}${offline}`);

    // SendRequest, as the requester.
    const today = new Date();
    const expected = new Date(today.getTime() + 7 * 24 * 3600 * 1000);
    const senderId = randomUUID();
    const transactionCode = `wsdl-client-${senderId.slice(0, 8)}`;
    const requestData = (addressee, messageId) => ({
      SenderProvidedRequestData: {
        MessageID: messageId,
        TransactionCode: transactionCode,
        Request: {
          RequesterCode: options.requester,
          AddresseeCode: addressee,
          InformationType: { Id: options.informationType, Version: options.version },
          Authority: {
            Code: options.authority,
            Name: 'Признание гражданина нуждающимся в социальном обслуживании',
            LegalAct: 'Федеральный закон от 28.12.2013 № 442-ФЗ',
            Provision: 'часть 1 статьи 15, статья 31',
          },
          Citizen: {
            LastName: 'Соколова',
            FirstName: 'Ирина',
            MiddleName: 'Андреевна',
            BirthDate: '1990-09-04',
            Snils: '146-381-927 82',
          },
          ReplyContact: { Email: 'integration-test@example.ru' },
          Registration: {
            OutgoingNumber: `TEST/${senderId.slice(0, 8)}`,
            SentDate: isoDate(today),
            ExpectedResponseDate: isoDate(expected),
          },
          Preparer: {
            FullName: 'Кузнецова Ольга Викторовна',
            Position: 'главный специалист',
            WorkPhone: '+7 3854 000000',
          },
          Consent: {
            Obtained: true,
            DocumentReference: 'согласие на обработку персональных данных (тест)',
            Date: isoDate(today),
          },
        },
        MessagePrimaryContent: { $xml: request.xml },
      },
    });
    const sent = await exchange.ok('SendRequest', options.requester, requestData(options.addressee, senderId));
    const sentMeta = sent.MessageMetadata ?? {};
    const requestId = asText(sentMeta.MessageID);
    expect(UUID.test(requestId), `SendRequest: MessageID '${requestId}' is not a UUID`);
    expectEqual(sentMeta.SenderMessageID, senderId, 'SendRequest: SenderMessageID');
    expectEqual(sentMeta.MessageType, 'REQUEST', 'SendRequest: MessageType');
    expectEqual(sentMeta.Sender, options.requester, 'SendRequest: Sender');
    expect(!asBool(sentMeta.Duplicate), 'SendRequest: a fresh MessageID was answered as a duplicate');
    const at = asText(sentMeta.SendingTimestamp);
    console.log(`ok   SendRequest as ${options.requester} to ${options.addressee}: accepted as ${requestId} at ${at}`);

    // The same MessageID again: the message already accepted, marked as a duplicate.
    const again = await exchange.ok('SendRequest', options.requester, requestData(options.addressee, senderId));
    expectEqual(again.MessageMetadata?.MessageID, requestId, 'SendRequest again: MessageID');
    expect(asBool(again.MessageMetadata?.Duplicate), 'SendRequest again with the same MessageID: not a Duplicate');
    console.log(`ok   SendRequest again with MessageID ${senderId}: duplicate of ${requestId}`);

    // GetRequest, as the addressee.
    const gotRequest = await receive(exchange, 'GetRequest', 'RequestMessage', options.addressee,
      { NamespaceURI: request.namespace, RootElementLocalName: request.localName }, requestId);
    const requestMeta = gotRequest.MessageMetadata;
    const requestMessage = gotRequest.Message;
    expect(requestMessage, 'GetRequest: the received message has no m:Message');
    expectEqual(requestMessage.MessageId, requestId, 'GetRequest: m:Message/m:MessageId');
    expectEqual(requestMessage.Kind, 'REQUEST', 'GetRequest: m:Message/m:Kind');
    expectEqual(requestMeta.MessageType, 'REQUEST', 'GetRequest: MessageType');
    expectEqual(requestMeta.Sender, options.requester, 'GetRequest: Sender');
    expectEqual(requestMeta.Recipient, options.addressee, 'GetRequest: Recipient');
    expectEqual(requestMessage.SenderCode, options.requester, 'GetRequest: m:SenderCode');
    expectEqual(requestMessage.RecipientCode, options.addressee, 'GetRequest: m:RecipientCode');
    expect(Number(asText(requestMeta.DeliveryAttempt)) >= 1, 'GetRequest: DeliveryAttempt is not at least 1');
    expectEqual(requestMessage.Request?.RequesterCode, options.requester, 'GetRequest: m:Request/m:RequesterCode');
    const envelope = requestMessage.Request;
    expectEqual(envelope?.InformationType?.Id, options.informationType, 'GetRequest: m:Request/m:InformationType/m:Id');
    expect(envelope?.Payload?.[request.localName], `GetRequest: m:Request/m:Payload has no ${request.localName}`);
    expectEqual(envelope?.TransactionCode, transactionCode, 'GetRequest: m:Request/m:TransactionCode');
    const sealed = requestMessage.Signature ? 'sealed' : 'not sealed (a loopback trial without a sealing key)';
    const attempt = asText(requestMeta.DeliveryAttempt);
    console.log(`ok   GetRequest as ${options.addressee}: ${requestId}, delivery attempt ${attempt}, ${sealed}`);

    const ackRequest = await exchange.ok('Ack', options.addressee, {
      AckTargetMessage: [{ attributes: { accepted: 'true' }, $value: requestId }],
    });
    const requestAck = asArray(ackRequest.AckResult);
    expect(requestAck.length === 1, `Ack: ${requestAck.length} results for one message`);
    expectEqual(requestAck[0].MessageID, requestId, 'Ack: AckResult/MessageID');
    expectEqual(requestAck[0].Outcome, 'ACKNOWLEDGED', 'Ack: AckResult/Outcome');
    console.log(`ok   Ack as ${options.addressee}: ${requestId} ACKNOWLEDGED`);

    // SendResponse with data, as the addressee.
    const responseSenderId = randomUUID();
    const answered = await exchange.ok('SendResponse', options.addressee, {
      SenderProvidedResponseData: {
        MessageID: responseSenderId,
        To: requestId,
        TransactionCode: transactionCode,
        Response: {
          RequestId: requestId,
          ResponderCode: options.addressee,
          Registration: {
            OutgoingNumber: `TEST-ANSWER/${responseSenderId.slice(0, 8)}`,
            SentDate: isoDate(new Date()),
          },
          Preparer: {
            FullName: 'Лебедев Артём Игоревич',
            Position: 'ведущий специалист',
            WorkEmail: 'answers@example.ru',
          },
          Data: {},
        },
        MessagePrimaryContent: { $xml: response.xml },
      },
    });
    const answerMeta = answered.MessageMetadata ?? {};
    const responseId = asText(answerMeta.MessageID);
    expect(UUID.test(responseId), `SendResponse: MessageID '${responseId}' is not a UUID`);
    expectEqual(answerMeta.SenderMessageID, responseSenderId, 'SendResponse: SenderMessageID');
    expectEqual(answerMeta.MessageType, 'RESPONSE', 'SendResponse: MessageType');
    expectEqual(answerMeta.Sender, options.addressee, 'SendResponse: Sender');
    console.log(`ok   SendResponse as ${options.addressee} to ${requestId}: accepted as ${responseId}`);

    // GetResponse, as the requester.
    const gotResponse = await receive(exchange, 'GetResponse', 'ResponseMessage', options.requester, {}, responseId);
    const responseMeta = gotResponse.MessageMetadata;
    const responseMessage = gotResponse.Message;
    expect(responseMessage, 'GetResponse: the received message has no m:Message');
    expectEqual(responseMeta.MessageType, 'RESPONSE', 'GetResponse: MessageType');
    expectEqual(responseMeta.Sender, options.addressee, 'GetResponse: Sender');
    expectEqual(responseMeta.Recipient, options.requester, 'GetResponse: Recipient');
    expectEqual(responseMessage.MessageId, responseId, 'GetResponse: m:Message/m:MessageId');
    expectEqual(responseMessage.Kind, 'RESPONSE', 'GetResponse: m:Message/m:Kind');
    expectEqual(responseMessage.Response?.RequestId, requestId, 'GetResponse: m:Response/m:RequestId');
    expectEqual(responseMessage.Response?.ResponderCode, options.addressee, 'GetResponse: m:Response/m:ResponderCode');
    expect(
      responseMessage.Response?.Data?.Payload?.[response.localName],
      `GetResponse: m:Response/m:Data/m:Payload has no ${response.localName}`,
    );
    const from = asText(responseMeta.Sender);
    console.log(`ok   GetResponse as ${options.requester}: ${responseId} answering ${requestId}, from ${from}`);

    const ackResponse = await exchange.ok('Ack', options.requester, { AckTargetMessage: [{ $value: responseId }] });
    expectEqual(asArray(ackResponse.AckResult)[0]?.Outcome, 'ACKNOWLEDGED', 'Ack of the response: Outcome');
    console.log(`ok   Ack as ${options.requester}: ${responseId} ACKNOWLEDGED`);

    // The request's state.
    const state = (await exchange.ok('GetMessageState', options.requester, { MessageID: requestId })).MessageState;
    expect(state, 'GetMessageState: no MessageState');
    expectEqual(state.MessageId, requestId, 'GetMessageState: m:MessageId');
    expectEqual(state.State, 'ANSWERED', 'GetMessageState: m:State');
    const responseIds = asArray(state.ResponseIds).map(asText);
    expect(responseIds.includes(responseId), `GetMessageState: m:ResponseIds lacks ${responseId}`);
    const history = asArray(state.History).map((event) => asText(event.State)).join(' > ');
    console.log(`ok   GetMessageState as ${options.requester}: ${requestId} ANSWERED (${history})`);

    const statistics = await exchange.ok('GetIncomingQueueStatistics', options.requester, {
      Timestamp: new Date().toISOString(),
    });
    const queues = [];
    for (const queue of asArray(statistics.QueueStatistics)) {
      const counts = {};
      for (const field of ['PendingMessageNumber', 'LeasedMessageNumber', 'DeadLetteredMessageNumber']) {
        counts[field] = asText(queue[field]);
        expect(/^\d+$/.test(counts[field]), `GetIncomingQueueStatistics: ${field} '${counts[field]}' is not a count`);
      }
      queues.push(
        `${asText(queue.QueueName)} pending ${counts.PendingMessageNumber}, leased ${counts.LeasedMessageNumber}, ` +
          `dead-lettered ${counts.DeadLetteredMessageNumber}`,
      );
    }
    console.log(`ok   GetIncomingQueueStatistics as ${options.requester}: ${queues.join('; ') || 'no queues'}`);

    const status = await exchange.ok('GetStatus', options.addressee, {
      Timestamp: new Date().toISOString(),
      WaitMilliseconds: 0,
    });
    if (status.StatusMessage) {
      const notice = status.StatusMessage.MessageMetadata;
      expectEqual(notice?.MessageType, 'NOTICE', 'GetStatus: MessageType');
      console.log(`ok   GetStatus as ${options.addressee}: notice ${asText(notice?.MessageID)} (left unacknowledged)`);
    } else {
      console.log(`ok   GetStatus as ${options.addressee}: no status message`);
    }

    // A deliberate fault: a request to an organisation that does not exist.
    const what = `SendRequest to ${NO_SUCH_ORGANISATION}`;
    const refusedData = requestData(NO_SUCH_ORGANISATION, randomUUID());
    const refused = await exchange.call('SendRequest', options.requester, refusedData);
    expect(refused.fault, `${what}: accepted (HTTP ${refused.status}), expected a SOAP fault`);
    const error = errorOf(refused.fault);
    expect(error && asText(error.Code), `${what}: no x:Error/x:Code in the fault: ${JSON.stringify(refused.fault)}`);
    expect(
      statusMatches(refused.status, options.faultStatus),
      `${what}: the fault came with HTTP ${refused.status}, expected ${options.faultStatus}`,
    );
    const fields = asArray(error.Violation).map((violation) => asText(violation.Field));
    const listed = fields.length ? `, fields: ${fields.join(', ')}` : '';
    console.log(`ok   ${what}: fault ${asText(error.Code)} (HTTP ${refused.status})${listed}`);

    if (fake) {
      expect(fake.problems.length === 0, `fake gateway: ${fake.problems.join('; ')}`);
      console.log(`ok   offline: ${fake.calls} calls${options.capture ? `, captured in ${options.capture}` : ''}`);
    }
  } finally {
    fake?.stop();
  }
}

const options = parseArgs(process.argv.slice(2));
try {
  await run(options);
  console.log(`client_test.mjs: all steps passed (${options.soap12 ? 'SOAP 1.2' : 'SOAP 1.1'})`);
  process.exit(0);
} catch (error) {
  console.error(`FAIL ${error instanceof Failure ? error.message : error.stack || error}`);
  process.exit(1);
}
