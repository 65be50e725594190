import type { Mail } from '../notify/index.js';
import { oneLine } from '../notify/index.js';

/**
 * The mails people get from Tollgate. Plain text: nothing a name or an
 * organization name contains can become markup, and subjects are one line.
 */
export function verificationMail(to: string, link: string): Mail {
  return {
    to,
    subject: 'Verify your email address for Tollgate',
    link,
    text: `Hello,\n\nConfirm that ${to} is your address by opening this link (it works once, for 24 hours):\n\n${link}\n\nIf you did not sign up for Tollgate, ignore this mail.\n`,
  };
}

export function resetMail(to: string, link: string): Mail {
  return {
    to,
    subject: 'Reset your Tollgate password',
    link,
    text: `Hello,\n\nSomeone asked to reset the password of the Tollgate account ${to}. To choose a new password, open this link (it works once, for 1 hour):\n\n${link}\n\nSetting a new password signs the account out everywhere. If you did not ask for this, ignore this mail: your password stays as it is.\n`,
  };
}

/** Sent instead of a verification link when someone signs up with an address that already has an account. */
export function existingAccountMail(to: string, signInUrl: string, resetUrl: string): Mail {
  return {
    to,
    subject: 'Sign-up attempt with your Tollgate address',
    link: signInUrl,
    text: `Hello,\n\nSomeone tried to sign up for Tollgate with ${to}, which already has an account. To use it, sign in:\n\n${signInUrl}\n\nForgot your password? ${resetUrl}\n\nIf this was not you, ignore this mail.\n`,
  };
}

export function inviteMail(to: string, link: string, organization: string, inviter: string | null, role: string, days: number): Mail {
  const org = oneLine(organization, 100);
  return {
    to,
    subject: `You are invited to join ${org} on Tollgate`,
    link,
    text: `Hello,\n\n${inviter ? `${oneLine(inviter, 100)} invited you` : 'You are invited'} to join the organization "${org}" on Tollgate as ${role}. To accept, open this link (it works once, for ${days} days, and only for ${to}):\n\n${link}\n\nIf you were not expecting this, ignore this mail.\n`,
  };
}

export function setPasswordMail(to: string, link: string): Mail {
  return {
    to,
    subject: 'Your Tollgate account',
    link,
    text: `Hello,\n\nAn account was created for ${to} on Tollgate. Choose your password with this link (it works once, for 7 days):\n\n${link}\n`,
  };
}
