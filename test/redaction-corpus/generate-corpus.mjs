// Generates corpus.json: synthetic secrets in valid formats (random characters behind the
// documented prefixes, Luhn- and checksum-valid numbers) and ordinary values, each with its
// expected outcome. Deterministic (seeded), so the file only changes when this script does.
// Run: node test/redaction-corpus/generate-corpus.mjs > test/redaction-corpus/corpus.json
import { createHash } from 'node:crypto';

let seed = 0x5eed18;
function random() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (chars, n) =>
  Array.from({ length: n }, () => chars[Math.floor(random() * chars.length)]).join('');
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const ALNUM = UPPER + LOWER + DIGITS;
const HEX = '0123456789abcdef';
const B64 = ALNUM + '+/';
const B64URL = ALNUM + '-_';
/** Random, but with at least one upper, lower and digit (as real tokens of this length have). */
const token = (chars, n) => {
  for (;;) {
    const t = pick(chars, n);
    if (/[A-Z]/.test(t) && /[a-z]/.test(t) && /\d/.test(t)) return t;
  }
};
const b64url = (bytes) =>
  Buffer.from(Array.from({ length: bytes }, () => Math.floor(random() * 256))).toString('base64url');

function luhnComplete(prefix, length) {
  let body = prefix + pick(DIGITS, length - prefix.length - 1);
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return body + String((10 - (sum % 10)) % 10);
}
function iban(country, bban) {
  const moved = bban + country + '00';
  let rest = 0;
  for (const ch of moved) {
    const n = /[A-Z]/.test(ch) ? ch.charCodeAt(0) - 55 : Number(ch);
    rest = (n > 9 ? rest * 100 + n : rest * 10 + n) % 97;
  }
  const check = String(98 - rest).padStart(2, '0');
  return country + check + bban;
}
function jwt() {
  const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
  const payload = Buffer.from(
    JSON.stringify({ sub: String(Math.floor(random() * 1e6)), iat: 1760000000 + Math.floor(random() * 1e6) }),
  ).toString('base64url');
  return `${header}.${payload}.${b64url(32)}`;
}
function pem(kind) {
  const lines = Array.from({ length: 4 }, () => pick(B64, 64)).join('\n');
  return `-----BEGIN ${kind}-----\n${lines}\n-----END ${kind}-----`;
}

const entries = [];
let n = 0;
const add = (kind, expect, value, extra = {}) =>
  entries.push({ id: `${kind}-${++n}`, kind, expect, value, ...extra });
const secret = (kind, value, extra) => add(kind, 'secret', value, extra);
const personal = (kind, value, extra) => add(kind, 'personal', value, extra);
const ordinary = (kind, value, extra) => add(kind, 'kept', value, extra);
const times = (k, f) => {
  for (let i = 0; i < k; i++) f(i);
};

// Cloud providers
times(8, () => secret('aws_access_key_id', `AKIA${pick(UPPER + '234567', 16)}`));
times(2, () => secret('aws_temporary_key_id', `ASIA${pick(UPPER + '234567', 16)}`));
times(10, () => secret('aws_secret_access_key', token(B64, 40)));
times(4, () => secret('gcp_api_key', `AIza${token(ALNUM + '_-', 35)}`));
times(2, () => secret('gcp_oauth_token', `ya29.${token(ALNUM + '_-', 60)}`));
times(2, () => secret('gcp_oauth_client_secret', `GOCSPX-${token(ALNUM + '_-', 28)}`));
times(2, () => {
  const key = `${token(B64, 86)}==`;
  secret(
    'azure_storage_key',
    `DefaultEndpointsProtocol=https;AccountName=shop;AccountKey=${key};EndpointSuffix=core.windows.net`,
    { secret: key },
  );
});
times(2, () => secret('azure_client_secret', `${pick(ALNUM, 3)}8Q~${token(ALNUM + '_~.-', 31)}`));
times(2, () => secret('digitalocean_token', `dop_v1_${pick(HEX, 64)}`));
// Version control
times(5, () => secret('github_pat_classic', `ghp_${token(ALNUM, 36)}`));
times(2, () => secret('github_oauth_token', `gho_${token(ALNUM, 36)}`));
times(3, () => secret('github_pat_fine_grained', `github_pat_${token(ALNUM, 22)}_${token(ALNUM, 59)}`));
times(4, () => secret('gitlab_pat', `glpat-${token(ALNUM + '_-', 20)}`));
times(1, () => secret('bitbucket_app_password', `ATBB${token(ALNUM, 32)}`));
// Payment providers
times(5, () => secret('stripe_secret_key', `sk_live_${token(ALNUM, 99)}`));
times(2, () => secret('stripe_test_key', `sk_test_${token(ALNUM, 24)}`));
times(2, () => secret('stripe_restricted_key', `rk_live_${token(ALNUM, 24)}`));
times(2, () => secret('stripe_webhook_secret', `whsec_${token(ALNUM, 32)}`));
times(2, () => secret('square_access_token', `sq0atp-${token(ALNUM + '_-', 22)}`));
times(1, () =>
  secret('braintree_token', `access_token$production$${pick(LOWER + DIGITS, 16)}$${pick(HEX, 32)}`),
);
// Chat platforms and other services
times(4, () => secret('slack_bot_token', `xoxb-${pick(DIGITS, 12)}-${pick(DIGITS, 13)}-${token(ALNUM, 24)}`));
times(2, () =>
  secret(
    'slack_user_token',
    `xoxp-${pick(DIGITS, 12)}-${pick(DIGITS, 12)}-${pick(DIGITS, 13)}-${pick(HEX, 32)}`,
  ),
);
times(2, () => {
  const s = token(ALNUM, 24);
  secret(
    'slack_webhook_url',
    `https://hooks.slack.com/services/T${pick(UPPER + DIGITS, 8)}/B${pick(UPPER + DIGITS, 10)}/${s}`,
    { secret: s },
  );
});
times(2, () => secret('telegram_bot_token', `${pick(DIGITS, 9)}:AA${token(ALNUM + '_-', 33)}`));
times(3, () => secret('openai_key', `sk-proj-${token(ALNUM + '_-', 48)}`));
times(2, () => secret('anthropic_key', `sk-ant-api03-${token(ALNUM + '_-', 93)}AA`));
times(3, () => secret('npm_token', `npm_${token(ALNUM, 36)}`));
times(1, () => secret('pypi_token', `pypi-AgEIcHlwaS5vcmc${token(ALNUM + '_-', 60)}`));
times(2, () => secret('sendgrid_key', `SG.${token(ALNUM + '_-', 22)}.${token(ALNUM + '_-', 43)}`));
times(2, () => secret('twilio_api_key', `SK${pick(HEX, 32)}`));
times(2, () => secret('mailgun_key', `key-${pick(HEX, 32)}`));
times(2, () => secret('shopify_token', `shpat_${pick(HEX, 32)}`));
times(2, () => secret('vault_token', `hvs.${token(ALNUM + '_-', 90)}`));
times(1, () => secret('doppler_token', `dp.pt.${token(ALNUM, 43)}`));
// Tokens and keys by shape
times(8, () => secret('jwt', jwt()));
for (const kind of ['RSA PRIVATE KEY', 'EC PRIVATE KEY', 'OPENSSH PRIVATE KEY', 'PRIVATE KEY'])
  secret('private_key', pem(kind), { carriers: ['body', 'text'] });
times(12, () => secret('session_token_base64url', b64url(32)));
times(4, () => secret('api_token_base64', token(B64, 44)));
times(4, () => {
  const t = token(ALNUM + '-._', 32);
  secret('bearer_in_text', `Authorization: Bearer ${t}`, { secret: t });
});
// Passwords in URLs, connection strings and prose
const pw = () => `${token(ALNUM, 10)}!${pick(DIGITS, 2)}`;
for (const scheme of ['postgres', 'mysql', 'mongodb+srv', 'amqp']) {
  const p = pw();
  secret('connection_string_password', `${scheme}://app_user:${p}@db-1.internal:5432/shop`, { secret: p });
}
times(3, () => {
  const p = pw();
  secret('connection_string_empty_user', `redis://:${p}@cache.internal:6379/0`, { secret: p });
});
times(3, () => {
  const p = pw();
  secret('url_userinfo_password', `https://deploy:${p}@api.example.com/v1/hooks`, { secret: p });
});
times(4, () => {
  const p = pw();
  secret('password_in_prose', `login failed for admin with password ${p} from 10.0.0.7`, { secret: p });
});
for (const key of ['password', 'api_key', 'client_secret', 'access_token', 'secret', 'passwd']) {
  const p = pw();
  secret('key_value_in_text', `${key}=${p}`, { secret: p });
}
times(2, () => {
  const p = pw();
  secret('key_value_in_json_text', `{"password":"${p}"}`, { secret: p });
});
// Cards (Luhn-valid), national ids, IBANs
for (const [prefix, length] of [
  ['4', 16],
  ['4', 16],
  ['51', 16],
  ['55', 16],
  ['2221', 16],
  ['34', 15],
  ['37', 15],
  ['6011', 16],
  ['65', 16],
  ['35', 16],
])
  secret('card_number', luhnComplete(prefix, length));
times(2, () => secret('card_number_spaced', luhnComplete('4', 16).replace(/(\d{4})(?=\d)/g, '$1 ')));
times(2, () => {
  const c = luhnComplete('5', 16).replace(/^5./, '53');
  const valid = luhnComplete(c.slice(0, 15), 16);
  secret('card_number_dashed', valid.replace(/(\d{4})(?=\d)/g, '$1-'));
});
times(8, () => {
  const area = String(1 + Math.floor(random() * 664)).padStart(3, '0');
  secret(
    'us_ssn',
    `${area === '666' ? '665' : area}-${String(1 + Math.floor(random() * 98)).padStart(2, '0')}-${String(1 + Math.floor(random() * 9998)).padStart(4, '0')}`,
  );
});
times(4, () =>
  secret(
    'uk_nino',
    `${pick('ABCEHJKLMPRSTWXY', 1)}${pick('ABCEHJKLMPRSTWXY', 1)}${pick(DIGITS, 6)}${pick('ABCD', 1)}`,
  ),
);
times(2, () => secret('iban', iban('DE', pick(DIGITS, 18))));
times(2, () => secret('iban', iban('GB', `NWBK${pick(DIGITS, 14)}`)));
// One-time credentials known by their place in a path
times(6, () => secret('reset_token_hex_in_path', pick(HEX, 32), { carriers: ['path'], path: '/reset/{}' }));
times(3, () =>
  secret('magic_link_token_in_path', b64url(24), { carriers: ['path'], path: '/magic-link/{}' }),
);
times(2, () =>
  secret('verify_token_in_path', pick(HEX, 40), { carriers: ['path'], path: '/verify-email/{}' }),
);
times(2, () =>
  secret('invite_code_in_path', pick(LOWER + DIGITS, 12), { carriers: ['path'], path: '/invite/{}/accept' }),
);
times(2, () =>
  secret('unsubscribe_token_in_path', pick(HEX, 24), { carriers: ['path'], path: '/unsubscribe/{}' }),
);
times(2, () =>
  secret('webhook_token_in_path', token(ALNUM + '_-', 40), {
    carriers: ['path'],
    path: `/api/webhooks/${pick(DIGITS, 18)}/{}`,
  }),
);
// Personal data
const first = [
  'alice',
  'bob',
  'carol',
  'dave',
  'erin',
  'frank',
  'grace',
  'heidi',
  'ivan',
  'judy',
  'mallory',
  'oscar',
  'peggy',
  'trent',
  'victor',
];
const domains = ['example.com', 'mail.example.org', 'corp.example.net', 'example.co.uk'];
first.forEach((name, i) =>
  personal('email', `${name}.${pick(LOWER, 4)}${i % 3 === 0 ? '+news' : ''}@${domains[i % domains.length]}`),
);
first.slice(0, 8).forEach((name) =>
  personal('username_in_path', `${name}_${pick(DIGITS, 2)}`, {
    carriers: ['path'],
    path: '/users/{}/orders',
  }),
);

// Ordinary values: what must be kept
const uuid = () => {
  const h = pick(HEX, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[Math.floor(random() * 4)]}${h.slice(17, 20)}-${h.slice(20)}`;
};
times(15, () => ordinary('uuid', uuid()));
times(10, () =>
  ordinary('commit_sha', createHash('sha1').update(String(random())).digest('hex'), {
    path: '/repos/shop/commits/{}',
  }),
);
times(5, () => ordinary('short_sha', pick(HEX, 7)));
times(3, () =>
  ordinary('sha256_digest', `sha256:${createHash('sha256').update(String(random())).digest('hex')}`),
);
times(4, () => ordinary('trace_id', pick(HEX, 32)));
times(5, () => ordinary('mongo_object_id', pick(HEX, 24)));
times(5, () => ordinary('nanoid', pick(B64URL, 21)));
times(5, () => ordinary('short_video_id', pick(B64URL, 11)));
for (const text of [
  'user:1234567890',
  'order-2024-000017',
  'tenant/acme/region/eu',
  'invoice=INV-2024-0042',
  'cart:7f3a:items',
  'session-replay-2024',
  'report:weekly:2024-05',
])
  ordinary('base64_of_text', Buffer.from(text).toString('base64').replace(/=+$/, ''));
for (const id of [
  'cus_NffrFeUfNV2Hib',
  'pi_3MtwBwLkdIwHu7ix28a3tqPa',
  'ch_3MmlLrLkdIwHu7ix0snN0B15',
  'sub_1MowQVLkdIwHu7ixeRlqHVzs',
  'prod_NWjs8kKbJWmuuc',
])
  ordinary('stripe_object_id', id);
for (const d of [
  '2024-01-15',
  '2024-01-15T10:30:00Z',
  '2025-12-31T23:59:59.999+01:00',
  '15/01/2024',
  '20240115',
  '1705314600',
  '1705314600123',
  'Mon, 15 Jan 2024 10:30:00 GMT',
  '2024-W03',
  'Q1-2024',
])
  ordinary('date', d);
for (const v of [
  '1.2.3',
  'v2.0.0-beta.1',
  '10.4.12+build.5',
  '0.223.0',
  '2.12.0-rc.2',
  'v20.20.0',
  '1.0.0-alpha+001',
  '3.11.4',
  'v1',
  '2024.1.0',
])
  ordinary('semver', v);
for (const s of [
  'how-to-bake-bread',
  'spring-sale-2024',
  'blue-widget-xl',
  'getting-started',
  'release-notes-v2',
  'terms-of-service',
  'kettle',
  'teapot',
  'black-friday-deals-2024',
  'my-first-post',
  'api-reference',
  'user-guide-chapter-10',
  'faq',
  'pricing-enterprise',
  'new-arrivals',
])
  ordinary('slug', s);
for (const s of [
  '42',
  '1001',
  '987654321',
  '4111111111111112',
  '1234567890123456',
  '00042',
  '5551234',
  '2024',
  '99.95',
  '-17',
])
  ordinary('number', s);
for (const s of [
  'Kettle Deluxe 2000',
  'Paris',
  'en-US',
  'EUR',
  'DE',
  'image/png',
  'report-2024-Q1.pdf',
  'ORD-2024-00017',
  'SKU-RED-XL-42',
  'main',
])
  ordinary('word', s);
for (const s of ['10.0.0.7', '192.168.1.20', '2001:db8::1', 'api.example.com', 'localhost:3000'])
  ordinary('address', s);
for (const s of [
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  'curl/8.5.0',
  'okhttp/4.12.0',
  'python-requests/2.31.0',
  'PostmanRuntime/7.36.0',
])
  ordinary('user_agent', s, { carriers: ['header', 'body', 'text'] });
// Ordinary text that only a body or free text carries, by kind.
const BODY_TEXT = {
  stack_or_path_text: [
    'at Object.<anonymous> (/srv/App2024/Controllers/UserController.js:10:5)',
    'at processTicksAndRejections (node:internal/process/task_queues:95:5)',
    'GET /api/v2/Catalog/Orders2024/Summary',
  ],
  prose_with_secret_words: [
    'password reset failed',
    'token expired',
    'Basic authentication failed',
    'invalid api key format',
    'secret santa signup',
    'session timed out after 30 s',
  ],
  json_text: [
    '{"token_type":"Bearer","expires_in":3600}',
    '{"card":{"brand":"visa","last4":"4242"}}',
    '{"page":2,"size":50}',
  ],
};
for (const [kind, values] of Object.entries(BODY_TEXT))
  for (const s of values) ordinary(kind, s, { carriers: ['body', 'text'] });

console.log(
  JSON.stringify(
    {
      name: 'lifeline-redaction-corpus',
      version: 1,
      description:
        'Synthetic secrets in valid formats (random characters; no real key) and ordinary values, each with its expected outcome under the default redaction configuration. expect: secret | personal (must not appear) | kept (must appear). secret: the part that must not appear, when not the whole value. carriers: where the value is sent (default: path, query, header, body, text). path: the path template ({} is the value) when its place in the path is what makes it a secret or an ordinary id.',
      entries,
    },
    null,
    1,
  ),
);
