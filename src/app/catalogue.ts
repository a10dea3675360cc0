/**
 * The indicator catalogue shipped in `catalogue/indicators.yaml` at the project root, read once and
 * validated with the zod schema of src/domain/catalogue.ts (as profiles are). A broken file stops the
 * start with a CatalogueError naming the path of every bad field.
 */
import fs from 'node:fs';
import YAML from 'yaml';
import { CatalogueError, parseCatalogue, type CatalogueFile } from '../domain/catalogue';
import { projectPath } from '../paths';

export { CatalogueError };

export const CATALOGUE_FILE = projectPath('catalogue', 'indicators.yaml');

/** Read and validate one catalogue file (YAML or JSON). */
export function loadCatalogueFile(file: string): CatalogueFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new CatalogueError(file, [{ path: '(tệp)', message: `không đọc được tệp: ${(e as Error).message}` }]);
  }
  const doc = YAML.parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new CatalogueError(file, doc.errors.map((e) => ({ path: '(YAML)', message: e.message.split('\n')[0] ?? e.message })));
  }
  return parseCatalogue(file, doc.toJS());
}

let shipped: CatalogueFile | undefined;

/** The shipped catalogue, read on first use. */
export function shippedCatalogue(): CatalogueFile {
  shipped ??= loadCatalogueFile(CATALOGUE_FILE);
  return shipped;
}
