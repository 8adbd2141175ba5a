/**
 * An endpoint URL written with user-info (`https://tenant:secret@collector:4318`) is what users
 * of curl and of most OTLP backends expect to work: the user-info becomes a Basic `Authorization`
 * header, and the URL is used without it from then on — in requests, log lines, diagnostics
 * events, self-metric attributes (`url.full`) and dead-letter metadata — so the secret is never
 * printed or stored. A URL with user-info and an explicit `Authorization` header at once is a
 * configuration error: which one wins would be a guess.
 */
export interface EndpointCredentials {
  /** The URL without user-info. */
  url: string;
  /** `Basic <base64(user:password)>` when the URL had user-info. */
  authorization: string | undefined;
}

/** Splits user-info off an absolute URL; a string that is not a URL comes back as is, its user-info masked. */
export function splitUserinfo(url: string): EndpointCredentials {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { url: maskUserinfo(url), authorization: undefined };
  }
  if (parsed.username === '' && parsed.password === '') return { url, authorization: undefined };
  const user = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  parsed.username = '';
  parsed.password = '';
  return {
    url: parsed.href,
    authorization: `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`,
  };
}

/** `scheme://user:pw@host` → `scheme://REDACTED@host` anywhere in a text (for messages about bad values). */
export function maskUserinfo(text: string): string {
  return text.replace(/([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)[^\s/?#@]*@/g, '$1REDACTED@');
}

export function hasAuthorizationHeader(headers: Readonly<Record<string, string>> | undefined): boolean {
  return headers !== undefined && Object.keys(headers).some((name) => name.toLowerCase() === 'authorization');
}
