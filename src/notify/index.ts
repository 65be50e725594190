export { createMailer, oneLine, type Mail, type Mailer, type MailerOptions } from './mailer.js';
