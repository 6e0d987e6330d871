package dev.distillery.pipeline;

import dev.distillery.classify.DataFile;
import dev.distillery.data.BundledData;
import dev.distillery.data.DatasetException;
import dev.distillery.data.SplitFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The split files a training job reads: a folder, three named files, or, when neither is given,
 * the bundled phishing-urls splits; and how the manifest describes them.
 */
record DataChoice(SplitFiles files, boolean bundled) {

    /** Resolves the options; a named file that does not exist stops the job before any work. */
    static DataChoice of(Path dataDir, Path train, Path validation, Path test) throws DatasetException {
        boolean bundled = dataDir == null && train == null;
        SplitFiles files = bundled ? BundledData.phishingUrls()
                : dataDir != null ? SplitFiles.in(dataDir) : new SplitFiles(train, validation, test);
        for (Path f : new Path[] {files.train(), files.validation(), files.test()}) {
            if (f != null && !Files.isRegularFile(f)) {
                throw new DatasetException(f, 0, "no such data file");
            }
        }
        return new DataChoice(files, bundled);
    }

    /** Each file with its role, size and SHA-256, for the manifest's provenance. */
    List<DataFile> describe() throws IOException {
        List<DataFile> data = new ArrayList<>();
        data.add(DataFile.of("train", files.train()));
        if (files.validation() != null) {
            data.add(DataFile.of("validation", files.validation()));
        }
        if (files.test() != null) {
            data.add(DataFile.of("test", files.test()));
        }
        return data;
    }
}
