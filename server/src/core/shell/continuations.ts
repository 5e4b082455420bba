/**
 * Removes backslash-newline pairs as bash's tokenizer does before it splits words: outside single
 * quotes (and outside `$'…'`, where a backslash escapes the next character), so `cat .e\` + newline
 * + `nv` is `cat .env`. The parser alone would see two words there.
 */
export function joinContinuations(line: string): string {
  if (!line.includes('\\\n')) return line;
  let out = '';
  let single = false;
  let ansi = false;
  let double = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (single) {
      out += c;
      if (c === "'") single = false;
      continue;
    }
    if (ansi) {
      out += c;
      if (c === '\\') out += line[++i] ?? '';
      else if (c === "'") ansi = false;
      continue;
    }
    if (c === '\\') {
      const next = line[i + 1];
      if (next === '\n') {
        i++;
        continue;
      }
      out += c + (next ?? '');
      i++;
      continue;
    }
    // A comment ends at the newline: a backslash in it joins nothing (else it could hide the next line).
    if (c === '#' && !double && (out === '' || /[\s;&|()]$/.test(out))) {
      const end = line.indexOf('\n', i);
      const stop = end < 0 ? line.length : end;
      out += line.slice(i, stop);
      i = stop - 1;
      continue;
    }
    if (c === '"') double = !double;
    else if (c === "'" && !double) {
      if (out.endsWith('$')) ansi = true;
      else single = true;
    }
    out += c;
  }
  return out;
}
