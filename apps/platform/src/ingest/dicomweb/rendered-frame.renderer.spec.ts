import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { encodePng, renderFrame } from './rendered-frame.renderer.js';

const CT = { Rows: 1, Columns: 4, SamplesPerPixel: 1, BitsAllocated: 16, BitsStored: 12, PixelRepresentation: 1, PhotometricInterpretation: 'MONOCHROME2', RescaleSlope: 1, RescaleIntercept: -1024 };

/** Little-endian 16-bit words, as a frame holds them. */
const words = (...values: number[]): Uint8Array => new Uint8Array(Uint16Array.from(values.map((v) => v & 0xffff)).buffer);

describe('renderFrame', () => {
  it('applies the rescale and a linear window: below is black, above is white, the center mid-grey', () => {
    // stored 24 -> -1000 HU (air), 1064 -> 40 HU (the center), 1664 -> 640 HU, 0x0fff -> -1 in 12 signed bits -> -1025 HU
    const image = renderFrame(words(24, 1064, 1664, 0x0fff), CT, { center: 40, width: 400 });
    assert.deepEqual([...image.pixels], [0, 128, 255, 0]);
  });

  it('inverts MONOCHROME1 and falls back to the frame range without a window', () => {
    const image = renderFrame(words(1024, 1034), { ...CT, PhotometricInterpretation: 'MONOCHROME1', Columns: 2 });
    assert.deepEqual([...image.pixels], [255, 0]);
  });

  it('interleaves planar RGB', () => {
    const image = renderFrame(Uint8Array.of(1, 2, 10, 20, 100, 200), { ...CT, SamplesPerPixel: 3, BitsAllocated: 8, PhotometricInterpretation: 'RGB', PlanarConfiguration: 1, Columns: 2 });
    assert.deepEqual([...image.pixels], [1, 10, 100, 2, 20, 200]);
  });
});

describe('encodePng', () => {
  it('writes a PNG whose header and rows hold the image', () => {
    const png = encodePng({ width: 2, height: 2, channels: 1, pixels: Uint8Array.of(0, 64, 128, 255) });
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.equal(png.subarray(12, 16).toString('latin1'), 'IHDR');
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20), png[24], png[25]], [2, 2, 8, 0]);
    const idat = png.indexOf('IDAT');
    const rows = inflateSync(png.subarray(idat + 4, idat + 4 + png.readUInt32BE(idat - 4)));
    assert.deepEqual([...rows], [0, 0, 64, 0, 128, 255]);
  });
});
