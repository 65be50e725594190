import type { Mail } from '../notify/index.js';

/** Told by mail, so a change the owner did not make does not go unnoticed. */
export function enabledMail(to: string, signInUrl: string): Mail {
  return {
    to,
    subject: 'Two-step sign-in is on for your Tollgate account',
    link: signInUrl,
    text: `Hello,\n\nAn authenticator app was set up for the Tollgate account ${to}: signing in now also asks for its 6-digit code (or one of your recovery codes).\n\nIf you did not do this, sign in and reset your password at once: ${signInUrl}\n`,
  };
}

export function disabledMail(to: string, resetUrl: string): Mail {
  return {
    to,
    subject: 'Two-step sign-in is off for your Tollgate account',
    link: resetUrl,
    text: `Hello,\n\nThe authenticator app of the Tollgate account ${to} was removed: signing in no longer asks for a code.\n\nIf you did not do this, reset your password at once: ${resetUrl}\n`,
  };
}
