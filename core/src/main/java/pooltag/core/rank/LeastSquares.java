package pooltag.core.rank;

/** Ordinary least-squares slope of y over x. */
final class LeastSquares {
    private LeastSquares() {
    }

    /** dy/dx of the best line through the points; 0 with fewer than two distinct x. */
    static double slope(double[] x, double[] y, int n) {
        if (n < 2) {
            return 0;
        }
        double mx = 0, my = 0;
        for (int i = 0; i < n; i++) {
            mx += x[i];
            my += y[i];
        }
        mx /= n;
        my /= n;
        double sxy = 0, sxx = 0;
        for (int i = 0; i < n; i++) {
            double dx = x[i] - mx;
            sxy += dx * (y[i] - my);
            sxx += dx * dx;
        }
        return sxx == 0 ? 0 : sxy / sxx;
    }
}
