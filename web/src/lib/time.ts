const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

export const formatDateTime = (seconds: number | null | undefined): string => (seconds == null ? '—' : dateTime.format(new Date(seconds * 1000)));
export const formatDate = (seconds: number | null | undefined): string => (seconds == null ? '—' : dateOnly.format(new Date(seconds * 1000)));

/** YYYY-MM-DD of a UTC day (usage is reported on the UTC grid). */
export const utcDay = (seconds: number): string => new Date(seconds * 1000).toISOString().slice(0, 10);
export const dayStart = (day: string): number => Date.parse(`${day}T00:00:00Z`) / 1000;
