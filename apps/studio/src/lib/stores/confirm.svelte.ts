/**
 * The studio's one confirmation dialog: `await confirmation.ask({...})` opens ConfirmDialog
 * (mounted once by the root layout) and resolves true when the user confirms, false when they
 * cancel, press Escape, or another question replaces this one.
 */
export interface ConfirmRequest {
  /** The question itself. */
  title: string;
  /** What happens, when the title alone does not say it. */
  message?: string;
  /** The confirm button's label: say what happens ("Delete rule"), not "OK". */
  confirmLabel: string;
  /** Styles the confirm button as destructive. */
  danger?: boolean;
}

class Confirmation {
  current = $state<ConfirmRequest | null>(null);
  #resolve: ((ok: boolean) => void) | null = null;

  ask(request: ConfirmRequest): Promise<boolean> {
    this.#settle(false);
    this.current = request;
    return new Promise<boolean>((resolve) => (this.#resolve = resolve));
  }

  answer(ok: boolean): void {
    this.#settle(ok);
    this.current = null;
  }

  #settle(ok: boolean): void {
    const resolve = this.#resolve;
    this.#resolve = null;
    resolve?.(ok);
  }
}

export const confirmation = new Confirmation();
