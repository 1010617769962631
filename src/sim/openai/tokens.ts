/**
 * A stand-in tokenizer: words with their leading space, numbers in groups of
 * up to three digits, punctuation in runs of up to three (`":"`), long words
 * in pieces — close enough to BPE that token counts, the token rate and where
 * the stream splits look like the real model's. Joining the tokens gives the
 * text back exactly.
 */

const TOKEN = /\s*[A-Za-z\u00C0-\u024F'’]+|\s*\d{1,3}|\s*[^\sA-Za-z\d]{1,3}|\s+/g;

export function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(TOKEN)) {
    const t = m[0];
    // Long words are several BPE tokens: split after every 6 letters.
    if (t.length > 8 && /[A-Za-z]/.test(t)) {
      for (let i = 0; i < t.length; i += 6) out.push(t.slice(i, i + 6));
    } else out.push(t);
  }
  return out;
}

export function countTokens(text: string): number {
  return tokenize(text).length;
}

/**
 * Prompt tokens the way OpenAI's cookbook counts a chat: each message costs
 * its text plus 3, the reply is primed with 3 more; tools cost their JSON.
 */
export function countPromptTokens(texts: string[], toolsJson: string): number {
  let n = 3;
  for (const t of texts) n += 3 + countTokens(t);
  if (toolsJson) n += countTokens(toolsJson);
  return n;
}
