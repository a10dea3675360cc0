/** Who may do what where: the roles query (roles.ts) and one named rule per action (policies.ts). */
export * from './roles';
export * as policies from './policies';
export { permits, type Policy } from './policies';
