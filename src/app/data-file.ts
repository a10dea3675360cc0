/**
 * Reading a shipped data file (a profile, the indicator catalogue): YAML or JSON, then the
 * domain's zod parser. An unreadable file or a YAML syntax error is refused with the same error
 * type as a schema violation, naming the file.
 */
import fs from 'node:fs';
import YAML from 'yaml';

export type Issue = { path: string; message: string };

export function loadDataFile<T>(file: string, parse: (file: string, data: unknown) => T, fail: new (file: string, issues: Issue[]) => Error): T {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new fail(file, [{ path: '(tệp)', message: `không đọc được tệp: ${(e as Error).message}` }]);
  }
  const doc = YAML.parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new fail(file, doc.errors.map((e) => ({ path: '(YAML)', message: e.message.split('\n')[0] ?? e.message })));
  }
  return parse(file, doc.toJS());
}
