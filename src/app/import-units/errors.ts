/** An import failure, in Vietnamese and English, with the file's line when it is about a row. */
export class ImportError extends Error {
  constructor(
    readonly vi: string,
    readonly en: string,
    /** 1-based line in the file, when the error is about a row */
    readonly line?: number,
  ) {
    super(`${line !== undefined ? `Dòng ${line}: ` : ''}${vi} (${line !== undefined ? `line ${line}: ` : ''}${en})`);
  }
}
