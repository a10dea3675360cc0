/** Time is a parameter: everything that needs "now" gets a Clock. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock for tests, demos and the simulator's time control: set or advance it at will. */
export class ManualClock implements Clock {
  private t: number;
  constructor(start: Date | string) {
    this.t = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.t);
  }
  set(at: Date | string): void {
    this.t = new Date(at).getTime();
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

/** Real time shifted by an offset: the simulator's "jump to an instant" keeps the clock running. */
export class OffsetClock implements Clock {
  private offset = 0;
  now(): Date {
    return new Date(Date.now() + this.offset);
  }
  jumpTo(at: Date): void {
    this.offset = at.getTime() - Date.now();
  }
  reset(): void {
    this.offset = 0;
  }
}
