/**
 * One mailbox per field: `a@example.com` or `Name <a@example.com>`. Anything
 * that parses as several addresses, a group or carries control characters is
 * refused, so a recipient can never smuggle in another recipient or a header.
 */
import addressparser, { type MailboxAddress } from 'nodemailer/lib/addressparser';

// biome-ignore lint/suspicious/noControlCharactersInRegex: CR, LF, NUL... in an address are an injection attempt
const CONTROL = /[\u0000-\u001f\u007f]/;
const ADDR_SPEC = /^[^\s@<>()[\]",;:\\]+@[^\s@<>()[\]",;:\\]+$/;

/** The mailbox in `text`, or undefined when `text` is not exactly one valid mailbox. */
export function parseMailbox(text: string): MailboxAddress | undefined {
  if (CONTROL.test(text)) return undefined;
  const parsed = addressparser(text);
  const [only] = parsed;
  if (parsed.length !== 1 || only === undefined || only.group !== undefined) return undefined;
  return ADDR_SPEC.test(only.address) ? only : undefined;
}
