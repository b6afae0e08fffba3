// A real OpenID Connect provider (panva/oidc-provider) for Rebar's tests, one process per issuer.
//
//   node server.mjs --port 0 --host 127.0.0.1   (prints "listening <issuer>" once ready)
//
// Control API (JSON, tests only):
//   POST /control/accounts  {sub, email, email_verified, name}     add or replace an account
//   POST /control/clients   {client_id, client_secret, redirect_uris}  add or replace a client
//   POST /control/misbehave {mode: wrong_aud|wrong_nonce|expired|bad_signature}
//                            the next ID token from /token is re-signed with that fault
//   POST /control/reset     forget accounts, clients and faults
// Interactions (no devInteractions): GET /interaction/:uid says which prompt is open;
//   POST /interaction/:uid/login {sub}, POST /interaction/:uid/confirm, POST /interaction/:uid/abort.
import http from 'node:http';
import { parseArgs } from 'node:util';

import * as jose from 'jose';
import Provider from 'oidc-provider';

const { values: args } = parseArgs({
  options: { port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' } },
});

const signingKey = await jose.generateKeyPair('RS256', { extractable: true });
const strangerKey = await jose.generateKeyPair('RS256', { extractable: true });
const signingJwk = { ...(await jose.exportJWK(signingKey.privateKey)), kid: 'rebar-test-1', alg: 'RS256', use: 'sig' };

const accounts = new Map();
let clients = [];
let misbehaviour = null;
let provider = null;
let issuer = null;

function buildProvider() {
  provider = new Provider(issuer, {
    clients: clients.map((client) => ({
      client_id: client.client_id,
      client_secret: client.client_secret,
      redirect_uris: client.redirect_uris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: client.token_endpoint_auth_method || 'client_secret_basic',
    })),
    jwks: { keys: [signingJwk] },
    cookies: { keys: ['rebar-test-provider-cookie-key'] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx, sub) {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        async claims() {
          return { sub, email: account.email, email_verified: account.email_verified, name: account.name };
        },
      };
    },
  });
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString();
  if ((req.headers['content-type'] || '').includes('application/json')) return text ? JSON.parse(text) : {};
  return Object.fromEntries(new URLSearchParams(text));
}

function send(res, status, body, type = 'application/json') {
  const text = type === 'application/json' ? JSON.stringify(body) : body;
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function control(req, res, path) {
  const body = req.method === 'POST' ? await readBody(req) : {};
  if (path === '/control/accounts') {
    accounts.set(body.sub, { email: body.email, email_verified: body.email_verified !== false, name: body.name || '' });
  } else if (path === '/control/clients') {
    clients = clients.filter((client) => client.client_id !== body.client_id).concat([body]);
    buildProvider();
  } else if (path === '/control/misbehave') {
    misbehaviour = body.mode;
  } else if (path === '/control/reset') {
    accounts.clear();
    clients = [];
    misbehaviour = null;
    buildProvider();
  } else {
    return send(res, 404, { error: 'unknown control' });
  }
  return send(res, 200, { ok: true });
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return send(res, 400, { error: 'interaction mismatch' });
  if (req.method === 'GET') {
    const page = `<!doctype html><title>Test IdP</title><p id="prompt">${details.prompt.name}</p>`
      + `<p>client ${details.params.client_id}; login_hint ${details.params.login_hint || ''}</p>`;
    return send(res, 200, page, 'text/html');
  }
  const body = await readBody(req);
  if (action === 'login') {
    if (!accounts.has(body.sub)) return send(res, 400, { error: 'no such account' });
    return provider.interactionFinished(req, res, { login: { accountId: body.sub } }, { mergeWithLastSubmission: false });
  }
  if (action === 'abort') {
    return provider.interactionFinished(req, res, {
      error: 'access_denied', error_description: 'End-User aborted interaction',
    }, { mergeWithLastSubmission: false });
  }
  if (action === 'confirm') {
    const { prompt: { details: missing }, params, session } = details;
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    const grantId = await grant.save();
    return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }
  return send(res, 404, { error: 'unknown interaction action' });
}

async function spoilIdToken(idToken, mode) {
  const claims = jose.decodeJwt(idToken);
  const now = Math.floor(Date.now() / 1000);
  if (mode === 'wrong_aud') claims.aud = 'somebody-else';
  if (mode === 'wrong_nonce') claims.nonce = 'a-nonce-from-another-flow';
  if (mode === 'expired') Object.assign(claims, { iat: now - 7200, exp: now - 3600 });
  const key = mode === 'bad_signature' ? strangerKey.privateKey : signingKey.privateKey;
  return new jose.SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: signingJwk.kid }).sign(key);
}

function interceptTokenResponse(res, mode) {
  const chunks = [];
  const end = res.end.bind(res);
  res.write = (chunk) => { chunks.push(Buffer.from(chunk)); return true; };
  res.end = (chunk, ...rest) => {
    if (chunk && typeof chunk !== 'function') chunks.push(Buffer.from(chunk));
    const body = JSON.parse(Buffer.concat(chunks).toString() || '{}');
    if (!body.id_token) return end(JSON.stringify(body));
    spoilIdToken(body.id_token, mode).then((token) => {
      const text = JSON.stringify({ ...body, id_token: token });
      res.setHeader('content-length', Buffer.byteLength(text));
      end(text);
    });
    return res;
  };
}

const server = http.createServer(async (req, res) => {
  const path = new URL(req.url, issuer).pathname;
  try {
    if (path.startsWith('/control/')) return await control(req, res, path);
    const match = path.match(/^\/interaction\/([^/]+)(?:\/(login|confirm|abort))?$/);
    if (match) return await interaction(req, res, match[1], match[2]);
    if (path === '/token' && req.method === 'POST' && misbehaviour) {
      interceptTokenResponse(res, misbehaviour);
      misbehaviour = null;
    }
    return provider.callback()(req, res);
  } catch (error) {
    return send(res, 500, { error: String(error) });
  }
});

server.listen(Number(args.port), args.host, () => {
  issuer = `http://${args.host === '127.0.0.1' ? '127.0.0.1' : 'localhost'}:${server.address().port}`;
  buildProvider();
  process.stdout.write(`listening ${issuer}\n`);
});
