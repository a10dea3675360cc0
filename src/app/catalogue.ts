/**
 * The indicator catalogue shipped in `catalogue/indicators.yaml` at the project root, read once and
 * validated with the zod schema of src/domain/catalogue.ts (as profiles are). A broken file stops the
 * start with a CatalogueError naming the path of every bad field.
 */
import { CatalogueError, parseCatalogue, type CatalogueFile } from '../domain/catalogue';
import { projectPath } from '../paths';
import { loadDataFile } from './data-file';

export { CatalogueError };

export const CATALOGUE_FILE = projectPath('catalogue', 'indicators.yaml');

/** Read and validate one catalogue file (YAML or JSON). */
export function loadCatalogueFile(file: string): CatalogueFile {
  return loadDataFile(file, parseCatalogue, CatalogueError);
}

let shipped: CatalogueFile | undefined;

/** The shipped catalogue, read on first use. */
export function shippedCatalogue(): CatalogueFile {
  shipped ??= loadCatalogueFile(CATALOGUE_FILE);
  return shipped;
}
