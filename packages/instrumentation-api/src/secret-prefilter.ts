/**
 * The value detectors' prefilter: one pass over the characters that answers "could any detector
 * find something here?", so the common values of a request — ids, UUIDs, words, dates, a user
 * agent — cost a loop, not the detectors' regular expressions (a case-insensitive alternation of
 * fifty prefixes costs about 14 ns per character; this loop about 1).
 *
 * It must never say no where a detector would match (the test runs every detector on the corpus
 * and on random strings to hold it to that). What each detector needs, and the cheap sign of it:
 *
 *   email, URL password                  an `@`
 *   private key                          five dashes in a row (`-----BEGIN`)
 *   JWT                                  `eyJ`
 *   Azure client secret                  `Q~`
 *   service tokens, AWS key ids          a run of 15+ token characters ([A-Za-z0-9_$=-]), or of 24+
 *                                        with dots (`SG.…`, `hvs.…`), that is not plain lowercase hex
 *                                        (UUIDs, commit hashes, digests); host names stay below
 *   card numbers                         12+ digits in a row, single spaces or dashes allowed between
 *   SSNs                                 such digits in groups of 3, 2 and 4
 *   Telegram bot tokens                  8+ digits right before a `:`
 *   UK NI numbers                        two capitals, six digits, a letter A–D (single spaces allowed)
 *   IBANs                                16+ capitals and digits (single spaces allowed)
 *   key=value, Bearer, passwords in      `:`, `=` or white space, and one of the key words
 *   prose, Azure connection strings      (checked only then, on the lowercased text)
 */
const TOKEN_RUN = 15;
const DOTTED_RUN = 24;
const KEY_WORDS = /pass|pwd|secret|token|key|session|bearer|basic|digest|shared|signature/;

export function mightHoldSecret(text: string): boolean {
  const n = text.length;
  if (n < 8) return false;
  let separator = false; // `:`, `=`, a quote or white space: the key-word detectors need one
  let run = 0; // token characters in a row
  let runNotHex = false; // the run has a character outside [0-9a-f-]
  let dotted = 0; // the same, dots allowed
  let dottedNotHex = false;
  let dashes = 0;
  let digits = 0; // digits in a row, single spaces or dashes allowed between
  let gaps = 0; // such spaces and dashes in the run
  let group = 0; // digits since the last of them
  let group1 = 0; // the group before
  let group2 = 0; // and the one before that
  let gap = false; // the previous character was one
  let capitals = 0; // capitals in a row (spaces between them allowed)
  let capitalsBefore = 0; // capitals right before the digit run
  let upperDigits = 0; // capitals and digits in a row, single spaces allowed between
  let space = false; // the previous character was a space
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    // Lower-case letters, the most common characters, by the shortest way: the same steps as below.
    if (c >= 97 && c <= 122 && digits === 0) {
      upperDigits = 0;
      space = false;
      capitals = 0;
      dashes = 0;
      run++;
      dotted++;
      if (c > 102) runNotHex = dottedNotHex = true;
      else if (runNotHex) dottedNotHex = true;
      if ((run >= TOKEN_RUN && runNotHex) || (dotted >= DOTTED_RUN && dottedNotHex)) return true;
      continue;
    }
    const digit = c >= 48 && c <= 57;
    const capital = c >= 65 && c <= 90;
    if (digit || capital) upperDigits++;
    else if (c !== 32 || space) upperDigits = 0;
    if (upperDigits >= 16) return true; // IBAN, AWS key id
    space = c === 32;

    if (digit) {
      if (digits === 0) {
        gaps = 0;
        group1 = group2 = 0;
        capitalsBefore = capitals;
      }
      group++;
      if (++digits >= 12) return true; // card number
      gap = false;
      capitals = 0;
    } else if ((c === 32 || c === 45) && digits > 0 && !gap) {
      if (group === 4 && group1 === 2 && group2 === 3) return true; // 123-45-6789
      group2 = group1;
      group1 = group;
      group = 0;
      gap = true;
      gaps++;
    } else {
      if (digits > 0) {
        if (group === 4 && group1 === 2 && group2 === 3) return true; // 123-45-6789
        group = 0;
        if (c === 58 && digits >= 8 && gaps === 0) return true; // 123456789:AA… (Telegram)
        if (digits === 6 && capitalsBefore >= 2 && c >= 65 && c <= 68) return true; // AB 12 34 56 C
        digits = 0;
        gap = false;
      }
      if (capital) capitals++;
      else if (c !== 32) capitals = 0;
    }

    if (c === 45) {
      if (++dashes >= 5) return true; // -----BEGIN
    } else dashes = 0;

    if (digit || c === 45) {
      run++;
    } else if (capital) {
      run++;
      runNotHex = true;
      if (c === 74 && i >= 2 && text.charCodeAt(i - 1) === 121 && text.charCodeAt(i - 2) === 101) return true; // eyJ
    } else if (c >= 97 && c <= 122) {
      run++;
      if (c > 102) runNotHex = true;
    } else if (c === 95 || c === 36 || c === 61) {
      run++;
      runNotHex = true;
      if (c === 61) separator = true;
    } else if (c === 46) {
      run = 0;
      runNotHex = false;
      dottedNotHex = true;
    } else {
      run = 0;
      runNotHex = false;
      dotted = -1;
      dottedNotHex = false;
      if (c === 64) return true; // @
      if (c === 126 && i > 0 && text.charCodeAt(i - 1) === 81) return true; // Q~
      // `:`, quotes, white space (and anything beyond ASCII, which \s may match).
      if (c === 58 || c === 34 || c === 39 || c === 32 || (c >= 9 && c <= 13) || c >= 128) separator = true;
    }
    dotted++;
    if (runNotHex) dottedNotHex = true;
    if ((run >= TOKEN_RUN && runNotHex) || (dotted >= DOTTED_RUN && dottedNotHex)) return true;
  }
  if (group === 4 && group1 === 2 && group2 === 3) return true;
  return separator && KEY_WORDS.test(text.toLowerCase());
}
