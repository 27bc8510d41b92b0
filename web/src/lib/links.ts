// Addresses of pages that other pages link to.

/** A patient's health record for doctors (/patients/:id); the page reads the patient's name from the API. */
export function patientHealthHref(patientId: number): string {
  return `/patients/${patientId}`;
}
