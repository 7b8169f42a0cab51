package dev.hermesfront.gateway.pairing;

import com.google.zxing.BarcodeFormat;
import com.google.zxing.EncodeHintType;
import com.google.zxing.WriterException;
import com.google.zxing.common.BitMatrix;
import com.google.zxing.qrcode.QRCodeWriter;
import com.google.zxing.qrcode.decoder.ErrorCorrectionLevel;
import java.util.Map;

/**
 * The pairing URL as a QR code (ZXing's encoder, error correction M), drawn two ways: for a terminal, two module
 * rows per line with half blocks, black on white whatever the terminal's colours ({@link #terminal}); and for the
 * page, an SVG path of the dark modules that the page builds into an {@code <svg>} element itself, so its strict
 * CSP needs no {@code data:} images ({@link #svgPath}). Both have a quiet zone of {@value #QUIET} modules.
 */
public final class PairingQr {
    /** Light modules around the code, so a camera finds its edges. */
    static final int QUIET = 2;
    private static final String BLACK_ON_WHITE = "\u001b[30;107m";
    private static final String RESET = "\u001b[0m";

    private final BitMatrix matrix;

    private PairingQr(BitMatrix matrix) {
        this.matrix = matrix;
    }

    /** Encodes {@code text}. */
    public static PairingQr of(String text) {
        try {
            return new PairingQr(new QRCodeWriter().encode(text, BarcodeFormat.QR_CODE, 0, 0,
                    Map.of(EncodeHintType.ERROR_CORRECTION, ErrorCorrectionLevel.M, EncodeHintType.MARGIN, QUIET,
                            EncodeHintType.CHARACTER_SET, "UTF-8")));
        } catch (WriterException e) {
            throw new IllegalArgumentException("cannot encode a QR code of " + text.length() + " characters", e);
        }
    }

    /** Returns the width (and height) in modules, quiet zone included. */
    public int size() {
        return matrix.getWidth();
    }

    /** Returns true for a dark module. */
    public boolean dark(int x, int y) {
        return x >= 0 && y >= 0 && x < matrix.getWidth() && y < matrix.getHeight() && matrix.get(x, y);
    }

    /**
     * Returns the code for a terminal: each line holds two module rows ({@code ▀} top dark, {@code ▄} bottom dark,
     * {@code █} both, space neither), coloured black on bright white and reset at the end of each line.
     */
    public String terminal() {
        StringBuilder b = new StringBuilder();
        for (int y = 0; y < size(); y += 2) {
            b.append(BLACK_ON_WHITE);
            for (int x = 0; x < size(); x++) {
                boolean top = dark(x, y);
                boolean bottom = dark(x, y + 1);
                b.append(top && bottom ? '█' : top ? '▀' : bottom ? '▄' : ' ');
            }
            b.append(RESET).append('\n');
        }
        return b.toString();
    }

    /** Returns an SVG path ({@code viewBox="0 0 size size"}) drawing the dark modules, one rectangle per run in a row. */
    public String svgPath() {
        StringBuilder b = new StringBuilder();
        for (int y = 0; y < size(); y++) {
            int x = 0;
            while (x < size()) {
                if (!dark(x, y)) {
                    x++;
                    continue;
                }
                int start = x;
                while (x < size() && dark(x, y)) {
                    x++;
                }
                b.append('M').append(start).append(' ').append(y).append('h').append(x - start).append("v1h-").append(x - start).append('z');
            }
        }
        return b.toString();
    }
}
