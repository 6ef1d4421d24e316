package io.reasonflow.pipeline.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** Draws the report's charts as PNG files with JFreeChart, without a display. */
final class Charts {
    static final int WIDTH = 800;
    static final int HEIGHT = 450;

    /** One line of a line chart: a run's field, such as the teacher's accuracy. */
    record Line(String label, List<double[]> points) {
    }

    private Charts() {
    }

    static void lineChart(Path file, String title, String yLabel, List<Line> lines) throws IOException {
        XYSeriesCollection data = new XYSeriesCollection();
        for (Line line : lines) {
            XYSeries series = new XYSeries(line.label(), false, true);
            for (double[] point : line.points()) {
                series.add(point[0], point[1]);
            }
            data.addSeries(series);
        }
        JFreeChart chart = ChartFactory.createXYLineChart(title, "GRPO step", yLabel, data, PlotOrientation.VERTICAL,
                true, false, false);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
        for (int i = 0; i < lines.size(); i++) {
            renderer.setSeriesStroke(i, new BasicStroke(2f));
        }
        plot.setRenderer(renderer);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
    }

    /** Bars of pass@1 and maj@k per stage. */
    static void stagesChart(Path file, List<StageResult> stages) throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (StageResult stage : stages) {
            data.addValue(stage.passAt1(), "pass@1", stage.name());
            data.addValue(stage.majAtK(), "maj@k", stage.name());
        }
        JFreeChart chart = ChartFactory.createBarChart("Held-out accuracy per stage", "stage", "accuracy", data,
                PlotOrientation.VERTICAL, true, false, false);
        CategoryPlot plot = chart.getCategoryPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.getRangeAxis().setRange(0.0, 1.0);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
    }
}
