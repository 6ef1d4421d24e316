package io.reasonflow.model.safetensors;

/** Element types this reader accepts; every one is converted to float32. */
enum DType {
    F32(4),
    F16(2),
    BF16(2);

    final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    static DType parse(String name, String tensor) {
        for (DType type : values()) {
            if (type.name().equals(name)) {
                return type;
            }
        }
        throw new SafetensorsFormatException("tensor " + tensor + " has dtype \"" + name
                + "\", expected one of F32, F16, BF16");
    }

    /** Converts an IEEE 754 half-precision value to float. */
    static float halfToFloat(short bits) {
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1F;
        int mantissa = bits & 0x3FF;
        if (exponent == 0x1F) {
            // Infinity or NaN: keep the payload in the top mantissa bits.
            return Float.intBitsToFloat(sign | 0x7F80_0000 | (mantissa << 13));
        }
        if (exponent == 0) {
            // Zero or subnormal: value = mantissa * 2^-24.
            float magnitude = mantissa * 0x1p-24f;
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    /** Converts a bfloat16 value, the upper 16 bits of a float32, to float. */
    static float bfloat16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }
}
