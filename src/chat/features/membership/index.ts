/**
 * Membership in chat (SPEC §1, §6):
 *   /thanhvien [kiemtra]        roster with size, flags and pending requests; at levels above the
 *                               teams, counts per child unit; `kiemtra` = roster vs group members
 *   /themtv Tên | SĐT | vai trò | nghề nghiệp   (several lines = several people; alone = a dialog)
 *   /roitv [số | tên] [| lý do] leave (the member) or removal (the leader)
 *   /vaitro <số | tên> | <vai trò> [| chức vụ]  role change (leader)
 *   /duyet [N], /tuchoi N [lý do] the approver decides (buttons `mbr-ok:N` / `mbr-no:N` too, and on
 *                               Zalo a reply to the request message: "duyệt" / "từ chối <lý do>")
 *   /capquyen <vai trò> <SĐT | tên> grant approver/officer/observer at this unit (officers, admins)
 *
 * Phone numbers are personal data: never shown in full in a group (masked to the last 3 digits in
 * the approver's request so namesakes can be told apart); in a private chat, in full, to the team's
 * leader, the commune's approver and admins only.
 *
 * One job per file: roster.ts (/thanhvien), roster-check.ts (kiemtra), propose.ts (/themtv, /roitv,
 * /vaitro), decide.ts (/duyet, /tuchoi, buttons, replies), grant.ts (/capquyen), join-requests.ts
 * (platform join requests), routing.ts (where requests are posted), reminders.ts (for the
 * scheduler), which-team.ts (the team a command is about), text.ts (the texts).
 */
import { policies } from '../../../app/access';
import type { Feature } from '../../feature';
import { approveCmd, decisionButtons, decisionByNumber, parseDecision, reasonFlow, rejectCmd, REASON, requestReply } from './decide';
import { grantCmd } from './grant';
import { onJoinRequest } from './join-requests';
import { ADD, COLLAB, addCmd, addFlow, collabFlow, leaveCmd, roleCmd } from './propose';
import { showMembers } from './roster';
import { REQUEST_REPLY } from './routing';

export { GRANT_WORDS, parseGrantArgs } from './grant';
export { remindPendingRequests } from './reminders';
export { postRequest } from './routing';
export { rulesReply } from './text';

export const membership: Feature = {
  commands: [
    { names: ['thanhvien', 'members'], allow: policies.readProgress, run: showMembers },
    { names: ['themtv', 'addmember'], allow: policies.proposeMember, run: addCmd },
    { names: ['roitv', 'removemember'], allow: policies.memberAction, run: leaveCmd },
    { names: ['vaitro', 'role'], allow: policies.proposeMember, run: roleCmd },
    {
      names: ['duyet', 'approve'],
      allow: policies.approve,
      // "/duyet 12" acts on request 12 (checked at its approval unit); "/duyet" lists this unit's
      at: (args) => (parseDecision(args) ? 'args' : 'unit'),
      run: approveCmd,
    },
    { names: ['tuchoi', 'reject'], allow: policies.approve, at: 'args', run: rejectCmd },
    { names: ['capquyen', 'grant'], allow: policies.grantRole, run: grantCmd },
  ],
  flows: {
    [ADD]: addFlow,
    [COLLAB]: collabFlow,
    [REASON]: reasonFlow,
  },
  actions: decisionButtons,
  replies: {
    [REQUEST_REPLY]: requestReply,
  },
  events: {
    join_request: onJoinRequest,
  },
  privateText: decisionByNumber,
};
