package dev.distillery.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundledDataTest {
    @Test
    void phishingUrlsLoadFromTheRepositoryFolder() {
        SplitFiles files = BundledData.phishingUrls();
        assertTrue(files.train().endsWith(Path.of("datasets/phishing-urls/train.csv.gz")), files.train().toString());
        Splits s = Dataset.loadSplits(files, ReadOptions.defaults());
        assertEquals(List.of("legitimate", "phishing"), s.labelMap().names());
        assertEquals(7798 + 974 + 988, s.train().size() + s.validation().size() + s.test().size());
    }

    @Test
    void homePropertyWinsAndMissingFolderIsClear(@TempDir Path dir) throws Exception {
        String old = System.getProperty(BundledData.HOME_PROPERTY);
        try {
            Files.createDirectories(dir.resolve(BundledData.PHISHING_URLS_DIR));
            Files.writeString(dir.resolve(BundledData.PHISHING_URLS_DIR).resolve("train.csv"), "url,label\na,1\n");
            System.setProperty(BundledData.HOME_PROPERTY, dir.toString());
            SplitFiles f = BundledData.phishingUrls();
            assertEquals(dir.resolve("datasets/phishing-urls/train.csv"), f.train());
            assertEquals(null, f.test());
            System.setProperty(BundledData.HOME_PROPERTY, dir.resolve("nowhere").toString());
            DatasetException e = assertThrows(DatasetException.class, BundledData::phishingUrls);
            assertTrue(e.getMessage().contains("distillery.home"), e.getMessage());
        } finally {
            if (old == null) {
                System.clearProperty(BundledData.HOME_PROPERTY);
            } else {
                System.setProperty(BundledData.HOME_PROPERTY, old);
            }
        }
    }
}
