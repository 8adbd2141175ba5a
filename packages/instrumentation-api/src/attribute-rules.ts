import { cachedByKey } from './cached-by-key.js';
import { isPersonalKey } from './sensitive-keys.js';
import type { SensitiveKeyMatcher } from './sensitive-keys.js';

/**
 * How the redaction policy treats an attribute, by its key. One table for every signal: log
 * records, span attributes, span events and links, metric data points and the resource.
 *
 * | rule     | keys                                                                  | what happens                                  |
 * |----------|-----------------------------------------------------------------------|-----------------------------------------------|
 * | skip     | values Lifeline itself builds from a closed set (`http.request.method`, `url.scheme`, `network.protocol.version`) | kept |
 * | url      | `url.full`, `url.original`, `http.url`, `http.target`                 | user-info, path segments, query, fragment      |
 * | query    | `url.query`                                                           | per pair, key kept                            |
 * | path     | `url.path`, `http.route`, `url.template`                              | per segment: `/reset/REDACTED`                 |
 * | host     | `server.address`, `http.host`, `net.host.name`                        | user-info in a Host header                    |
 * | header   | `http.{request,response}.header.<name>`, `user_agent.original`        | credential headers whole; URLs as URLs; text  |
 * | body     | `http.{request,response}.body.content`                                | JSON field by field, forms pair by pair, text  |
 * | secret   | a sensitive key (`password`, `api_key`, `db.password`, …)             | the whole value                               |
 * | personal | `user.email`, `user.name`, `*_email`, `login`, …                      | the personal-data policy (mask or keyed hash) |
 * | text     | everything else                                                       | the detectors, inside the text                |
 */
export type AttributeRule =
  | { kind: 'skip' | 'url' | 'query' | 'path' | 'host' | 'body' | 'secret' | 'personal' | 'text' }
  | { kind: 'header'; header: string };

const SKIP = new Set([
  'http.request.method',
  'url.scheme',
  'network.protocol.version',
  'network.protocol.name',
]);
const URLS = new Set(['url.full', 'url.original', 'http.url', 'http.target']);
const PATHS = new Set(['url.path', 'http.route', 'url.template']);
const HOSTS = new Set(['server.address', 'http.host', 'net.host.name']);
const BODIES = new Set(['http.request.body.content', 'http.response.body.content']);

const SHARED: Record<string, AttributeRule> = {
  skip: { kind: 'skip' },
  url: { kind: 'url' },
  query: { kind: 'query' },
  path: { kind: 'path' },
  host: { kind: 'host' },
  body: { kind: 'body' },
  secret: { kind: 'secret' },
  personal: { kind: 'personal' },
  text: { kind: 'text' },
};

export function createAttributeRules(isSensitiveKey: SensitiveKeyMatcher): (key: string) => AttributeRule {
  const classify = (key: string): AttributeRule => {
    if (SKIP.has(key)) return SHARED['skip'] as AttributeRule;
    if (URLS.has(key)) return SHARED['url'] as AttributeRule;
    if (key === 'url.query') return SHARED['query'] as AttributeRule;
    if (PATHS.has(key)) return SHARED['path'] as AttributeRule;
    if (HOSTS.has(key)) return SHARED['host'] as AttributeRule;
    if (BODIES.has(key)) return SHARED['body'] as AttributeRule;
    if (key === 'user_agent.original') return { kind: 'header', header: 'user-agent' };
    if (key.startsWith('http.request.header.')) return { kind: 'header', header: key.slice(20) };
    if (key.startsWith('http.response.header.')) return { kind: 'header', header: key.slice(21) };
    if (isSensitiveKey(key)) return SHARED['secret'] as AttributeRule;
    if (isPersonalKey(key)) return SHARED['personal'] as AttributeRule;
    return SHARED['text'] as AttributeRule;
  };
  return cachedByKey(classify, 4096);
}
