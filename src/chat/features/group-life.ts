/** The bot joins or leaves a group, the title changes, the chat moves, members come and go. */
import { audit } from '../../store/audit';
import { moveLink, recordChatMember, setLinkActive, setLinkTitle } from '../../store/chats';
import type { Feature } from '../feature';
import { checkTitle } from './link';

export const groupLife: Feature = {
  events: {
    bot_added: async (ctx, e) => {
      if (ctx.link) {
        await setLinkActive(ctx.db, ctx.chat.platform, ctx.chat.id, true);
        ctx.reply(ctx.t('group:back', { unit: ctx.unit?.name ?? '' }));
      } else {
        ctx.reply(ctx.t('group:welcome'));
      }
      if (e.botIsAdmin === false) ctx.reply(ctx.t('group:admin_for_roster'));
    },
    bot_removed: async (ctx) => {
      await setLinkActive(ctx.db, ctx.chat.platform, ctx.chat.id, false);
      await audit(ctx.db, { actor: null, action: 'chat.bot_removed', ...(ctx.link ? { subject: `unit:${ctx.link.unit_id}` } : {}), details: { platform: ctx.chat.platform } }, ctx.now);
    },
    title_changed: async (ctx, e) => {
      if (!ctx.link || !ctx.unit || !e.chat.title) return;
      await setLinkTitle(ctx.db, ctx.chat.platform, ctx.chat.id, e.chat.title);
      await checkTitle(ctx, ctx.unit, e.chat.title);
    },
    chat_migrated: async (ctx, e) => {
      if (e.newChatId) await moveLink(ctx.db, ctx.chat.platform, ctx.chat.id, e.newChatId);
    },
    member_joined: async (ctx, e) => {
      if (e.member) await recordChatMember(ctx.db, { platform: ctx.chat.platform, chatId: ctx.chat.id, externalId: e.member.id, displayName: e.member.displayName, present: true }, ctx.now);
    },
    member_left: async (ctx, e) => {
      if (e.member) await recordChatMember(ctx.db, { platform: ctx.chat.platform, chatId: ctx.chat.id, externalId: e.member.id, displayName: e.member.displayName, present: false }, ctx.now);
    },
  },
};
