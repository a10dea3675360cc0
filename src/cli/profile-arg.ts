/** `--profile` for CLI commands: a shipped preset id, or a path to a profile file (.yaml/.yml/.json). */
import { getProfile, loadProfileFile } from '../app/profiles';
import type { Profile } from '../domain/profile';
import { CliError } from './command';

export function resolveProfile(arg: string): Profile {
  try {
    return /\.(ya?ml|json)$/i.test(arg) ? loadProfileFile(arg) : getProfile(arg);
  } catch (e) {
    throw new CliError(`Hồ sơ "${arg}": ${(e as Error).message}`, `cannot load profile "${arg}"`);
  }
}
