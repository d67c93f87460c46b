// MessagePack's floats are big-endian. shmring runs on little-endian hosts only
// (checkPlatform()), so their bytes go through this scratch in reverse order.
const scratch = new ArrayBuffer(8);
const scratchBytes = new Uint8Array(scratch);
const float64 = new Float64Array(scratch);
const float32 = new Float32Array(scratch);

/** The big-endian float 32 at bytes[at, at + 4). */
export function readFloat32(bytes: Uint8Array, at: number): number {
  for (let i = 0; i < 4; i++) scratchBytes[3 - i] = bytes[at + i];
  return float32[0];
}

/** The big-endian float 64 at bytes[at, at + 8). */
export function readFloat64(bytes: Uint8Array, at: number): number {
  for (let i = 0; i < 8; i++) scratchBytes[7 - i] = bytes[at + i];
  return float64[0];
}

/** Writes `value` as a big-endian float 64 to bytes[at, at + 8). */
export function writeFloat64(bytes: Uint8Array, at: number, value: number): void {
  float64[0] = value;
  for (let i = 0; i < 8; i++) bytes[at + i] = scratchBytes[7 - i];
}
