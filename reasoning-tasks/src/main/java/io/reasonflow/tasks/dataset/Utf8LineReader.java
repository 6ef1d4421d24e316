package io.reasonflow.tasks.dataset;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Line reader that decodes each line separately as strict UTF-8.
 *
 * <p>A {@link java.io.BufferedReader} decodes whole buffers ahead of the line being returned, so a
 * bad byte would be reported at the wrong line. Decoding per line keeps the error on its line.
 */
public final class Utf8LineReader implements Closeable {

    private final InputStream input;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    /** Reads lines from {@code input}, which this reader closes. */
    public Utf8LineReader(InputStream input) {
        this.input = new BufferedInputStream(input);
    }

    /**
     * Reads the next line without its {@code \n} or {@code \r\n} terminator.
     *
     * @return the line, or {@code null} at the end of the input
     * @throws CharacterCodingException when the line is not valid UTF-8, after consuming the line
     */
    public String readLine() throws IOException {
        line.reset();
        int next = input.read();
        if (next < 0) {
            return null;
        }
        while (next >= 0 && next != '\n') {
            line.write(next);
            next = input.read();
        }
        byte[] bytes = line.toByteArray();
        int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return decoder.decode(ByteBuffer.wrap(bytes, 0, length)).toString();
    }

    @Override
    public void close() throws IOException {
        input.close();
    }
}
