/** Files shipped beside the code (profiles/, locales/, the simulator page), found from the project root. */
import fs from 'node:fs';
import path from 'node:path';

/** The nearest folder above this file holding package.json: the same from src/ (tsx) and dist/ (build). */
function findRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`không tìm thấy thư mục gốc dự án (package.json) từ ${__dirname}`);
    dir = up;
  }
}

export const PROJECT_ROOT = findRoot();

export function projectPath(...parts: string[]): string {
  return path.join(PROJECT_ROOT, ...parts);
}
