/**
 * A feature is one file's worth of chat behaviour: its commands, the dialog flows it continues,
 * the buttons it answers, the replies to its messages it understands, and the group events it
 * cares about. The core composes features; it knows none of them by name.
 */
import type { Policy } from '../app/access/policies';
import type { Ctx, DialogState } from './context';
import type { GroupEvent, ReplyContext } from './types';

export interface Command {
  /** Vietnamese name first, then aliases (ASCII, lower case, without the slash) */
  names: string[];
  /** who may run it (a named rule of app/access/policies); the core checks it before `run` */
  allow: Policy;
  /**
   * where `allow` is checked:
   * - 'unit' (default): the unit this chat works for — the group's linked unit, or in a private
   *   chat the unit the person chooses; `run` then finds it in `ctx.unit`;
   * - 'chat': nowhere, the command needs no unit (`allow` is `anyone`);
   * - 'args': at the unit(s) the arguments name (a request number, a unit to link): `run` checks
   *   the same rule there with `authorize(ctx, unit, allow)`.
   */
  at?: CommandScope | ((args: string) => CommandScope);
  /** `args` is the rest of the first line, `body` the following lines */
  run(ctx: Ctx, args: string, body: string): Promise<void>;
}

export type CommandScope = 'unit' | 'chat' | 'args';

export interface Flow {
  /** a numbered answer, a matching word or a button chose `value` */
  onOption?(ctx: Ctx, state: DialogState, value: string): Promise<void>;
  /** free text inside the dialog */
  onText?(ctx: Ctx, state: DialogState, text: string): Promise<void>;
}

export interface Feature {
  commands?: Command[];
  flows?: Record<string, Flow>;
  /** button data "<prefix>:<payload>" outside dialogs (approve:12) */
  actions?: Record<string, (ctx: Ctx, payload: string) => Promise<void>>;
  /** a reply to a bot message whose context.flow is the key */
  replies?: Record<string, (ctx: Ctx, context: ReplyContext, text: string) => Promise<void>>;
  events?: Partial<Record<GroupEvent['type'], (ctx: Ctx, event: GroupEvent) => Promise<void>>>;
}
