/** Constructor validation with CDK's wording: the allowed range and the value received. */
export function assertIntegerInRange(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer between ${min} and ${max} inclusive (given ${value})`);
  }
}
