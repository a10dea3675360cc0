/** What every benchmark script shares. */

/** Kilobytes (as process.resourceUsage().maxRSS gives them) in whole megabytes. */
export const mb = (kb: number): string => (kb / 1024).toFixed(0);

/** Runs a benchmark step as a script: exit code 0 when within its limits, 1 when not or on error. */
export function exitWith(step: Promise<boolean | void>): void {
  step.then(
    (ok) => {
      process.exitCode = ok === false ? 1 : 0;
    },
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
