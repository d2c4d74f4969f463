/**
 * Providers number most resources with integers (orders, issues, releases); a resource id a test
 * or user chose that is not an integer is sent as given.
 */
export function numericIfPossible(id: string): number | string {
  return /^\d{1,15}$/.test(id) ? Number(id) : id;
}
