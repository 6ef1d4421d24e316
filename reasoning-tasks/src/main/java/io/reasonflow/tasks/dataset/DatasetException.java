package io.reasonflow.tasks.dataset;

import java.nio.file.Path;

/** Failure to read a dataset file, naming the file and, where one applies, the 1-based line. */
public class DatasetException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final long lineNumber;

    /**
     * Creates an exception for {@code file}.
     *
     * @param lineNumber 1-based line number, or 0 when the failure concerns the whole file
     */
    public DatasetException(Path file, long lineNumber, String message, Throwable cause) {
        super(message, cause);
        this.file = file;
        this.lineNumber = lineNumber;
    }

    /** Returns the dataset file that failed. */
    public Path file() {
        return file;
    }

    /** Returns the 1-based line number of the failure, or 0 when it concerns the whole file. */
    public long lineNumber() {
        return lineNumber;
    }
}
