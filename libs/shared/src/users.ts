import { z } from 'zod';
import { LIMITS } from './limits';

export const ROLES = ['admin', 'user'] as const;
export type Role = (typeof ROLES)[number];

const username = z
  .string({ error: 'username must be a string' })
  .min(LIMITS.username.min, { error: `username must be at least ${LIMITS.username.min} characters` })
  .max(LIMITS.username.max, { error: `username must be at most ${LIMITS.username.max} characters` })
  .regex(LIMITS.username.pattern, { error: 'username may hold only letters, digits, _ . and -' });
const password = z
  .string({ error: 'password must be a string' })
  .min(LIMITS.password.min, { error: `password must be at least ${LIMITS.password.min} characters` })
  .max(LIMITS.password.max, { error: `password must be at most ${LIMITS.password.max} characters` });

export const LoginBodySchema = z.strictObject({
  username: z.string({ error: 'username must be a string' }).min(1, { error: 'username is required' }).max(LIMITS.username.max),
  password: z.string({ error: 'password must be a string' }).min(1, { error: 'password is required' }).max(LIMITS.password.max),
});
export type LoginBody = z.infer<typeof LoginBodySchema>;

export const CreateUserBodySchema = z.strictObject({ username, password, role: z.enum(ROLES).default('user') });
export type CreateUserBody = z.infer<typeof CreateUserBodySchema>;

const limit = z.number().int().min(1).max(100_000).nullable().optional();
export const UpdateUserBodySchema = z
  .strictObject({
    role: z.enum(ROLES).optional(),
    disabled: z.boolean().optional(),
    /** Tasks rendering at once; null: the server's default. */
    max_running_tasks: limit,
    /** Tasks waiting or rendering; null: the server's default. */
    max_queued_tasks: limit,
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), { error: 'give role, disabled, max_running_tasks or max_queued_tasks' });
export type UpdateUserBody = z.infer<typeof UpdateUserBodySchema>;

export const ResetPasswordBodySchema = z.strictObject({ password });
export type ResetPasswordBody = z.infer<typeof ResetPasswordBodySchema>;

/** POST /api/users/me/password: any user's own password; the other sessions of the account end. */
export const ChangePasswordBodySchema = z.strictObject({
  current_password: z.string({ error: 'current_password must be a string' }).min(1, { error: 'current_password is required' }).max(LIMITS.password.max),
  new_password: password,
});
export type ChangePasswordBody = z.infer<typeof ChangePasswordBodySchema>;

/** One of the signed-in user's live sessions (GET /api/users/me/sessions). */
export interface SessionView {
  id: string;
  created_at: string;
  expires_at: string;
  /** The browser or client that signed in (its User-Agent, shortened), null when it sent none. */
  user_agent: string | null;
  /** The address it signed in from, as the server saw it (behind TRUST_PROXY: the client's). */
  address: string | null;
  /** The session this request came with. */
  current: boolean;
}

export const UserListQuerySchema = z.object({
  page: z.coerce.number().int().min(1).default(1),
  page_size: z.coerce.number().int().min(1).max(LIMITS.page.maxSize).default(LIMITS.page.defaultSize),
  /** Part of the username. */
  q: z.string().max(LIMITS.username.max).optional(),
});
export type UserListQuery = z.infer<typeof UserListQuerySchema>;

export interface LoginResponse { token: string; expires_at: string }
export interface UserView {
  id: string;
  username: string;
  role: Role;
  disabled: boolean;
  /** null: the server's default. */
  max_running_tasks: number | null;
  max_queued_tasks: number | null;
  created_at: string;
}
