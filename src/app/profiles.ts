/**
 * The provincial presets: one YAML file per profile in `profiles/` at the project root, validated
 * with the zod schema at load and cached. A custom file can be loaded by path.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseProfile, ProfileError, type Profile } from '../domain/profile';
import { projectPath } from '../paths';
import { loadDataFile } from './data-file';

export { ProfileError };

/** Folder of the shipped presets, resolved from the project root, never from the cwd. */
export const PROFILES_DIR = projectPath('profiles');

/**
 * Read and validate one profile file (YAML or JSON). A YAML syntax error or a schema violation is
 * refused with a ProfileError naming the file and the path of every bad field ("reporting.deadlines.0.day").
 */
export function loadProfileFile(file: string): Profile {
  return loadDataFile(file, parseProfile, ProfileError);
}

let cache: Map<string, Profile> | undefined;

/** Load every preset in a folder; a file's `id` must match its file name. */
export function loadProfileDir(dir: string): Map<string, Profile> {
  const out = new Map<string, Profile>();
  const files = fs
    .readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
  for (const f of files) {
    const file = path.join(dir, f);
    const profile = loadProfileFile(file);
    const expected = f.replace(/\.ya?ml$/, '');
    if (profile.id !== expected) {
      throw new ProfileError(file, [{ path: 'id', message: `"${profile.id}" phải trùng tên tệp "${expected}"` }]);
    }
    out.set(profile.id, profile);
  }
  return out;
}

function presets(): Map<string, Profile> {
  cache ??= loadProfileDir(PROFILES_DIR);
  return cache;
}

/** A shipped preset by id; the error lists the known ids. */
export function getProfile(id: string): Profile {
  const p = presets().get(id);
  if (!p) {
    throw new Error(`không có hồ sơ "${id}"; các hồ sơ có sẵn: ${[...presets().keys()].join(', ')}`);
  }
  return p;
}

/** Every shipped preset, sorted by id. */
export function listProfiles(): Profile[] {
  return [...presets().values()];
}

/** Forget the cache (tests, or after editing a file). */
export function clearProfileCache(): void {
  cache = undefined;
}
