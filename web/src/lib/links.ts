// Addresses of pages that other pages link to with extra context.

/**
 * A patient's health record for doctors (/patients/:id). The API has no route for a patient's name
 * by id, so the linking page (an appointment, a conversation) passes the name it knows as `?name=`.
 */
export function patientHealthHref(patientId: number, name?: string | null): string {
  return `/patients/${patientId}` + (name ? `?name=${encodeURIComponent(name)}` : '');
}
