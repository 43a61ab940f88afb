;; Hot loop written by hand (see lane-offset.simd.ts): 16-bit stored samples to output values for the
;; common CT case, out = (stored & mask) + add modulo 2^16, in place, eight samples per instruction.
;; Returns the OR of every masked sample, so the caller can tell whether the largest one plus the
;; offset still fits the output type. Compiled by scripts/build-wasm.mjs into lane-offset.wasm.ts.
(module
  (memory (export "memory") 1)
  (func (export "offsetLanes") (param $ptr i32) (param $lanes i32) (param $mask i32) (param $add i32) (result i32)
    (local $end i32) (local $vectorEnd i32) (local $any i32) (local $word i32)
    (local $vmask v128) (local $vadd v128) (local $vany v128) (local $v v128)
    (local.set $end (i32.add (local.get $ptr) (i32.shl (local.get $lanes) (i32.const 1))))
    (local.set $vectorEnd (i32.add (local.get $ptr) (i32.and (i32.shl (local.get $lanes) (i32.const 1)) (i32.const -16))))
    (local.set $vmask (i16x8.splat (local.get $mask)))
    (local.set $vadd (i16x8.splat (local.get $add)))
    (block $vectorsDone
      (loop $vectors
        (br_if $vectorsDone (i32.ge_u (local.get $ptr) (local.get $vectorEnd)))
        (local.set $v (v128.and (v128.load align=2 (local.get $ptr)) (local.get $vmask)))
        (local.set $vany (v128.or (local.get $vany) (local.get $v)))
        (v128.store align=2 (local.get $ptr) (i16x8.add (local.get $v) (local.get $vadd)))
        (local.set $ptr (i32.add (local.get $ptr) (i32.const 16)))
        (br $vectors)))
    ;; Fold the eight lanes' OR into one 16-bit value.
    (local.set $any
      (i32.or
        (i32.or (i32x4.extract_lane 0 (local.get $vany)) (i32x4.extract_lane 1 (local.get $vany)))
        (i32.or (i32x4.extract_lane 2 (local.get $vany)) (i32x4.extract_lane 3 (local.get $vany)))))
    (local.set $any (i32.and (i32.or (local.get $any) (i32.shr_u (local.get $any) (i32.const 16))) (i32.const 0xffff)))
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $ptr) (local.get $end)))
        (local.set $word (i32.and (i32.load16_u (local.get $ptr)) (local.get $mask)))
        (local.set $any (i32.or (local.get $any) (local.get $word)))
        (i32.store16 (local.get $ptr) (i32.add (local.get $word) (local.get $add)))
        (local.set $ptr (i32.add (local.get $ptr) (i32.const 2)))
        (br $tail)))
    (local.get $any)))
