package io.reasonflow.tasks.grading;

import edu.jas.kern.PreemptStatus;
import io.reasonflow.tasks.grading.Expr.Constant;
import java.io.OutputStream;
import java.io.PrintStream;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.matheclipse.core.basic.Config;
import org.matheclipse.core.eval.EvalEngine;
import org.matheclipse.core.eval.exception.LimitException;
import org.matheclipse.core.expression.F;
import org.matheclipse.core.interfaces.IASTAppendable;
import org.matheclipse.core.interfaces.IExpr;
import org.matheclipse.core.interfaces.INumber;
import org.matheclipse.core.interfaces.ISymbol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Symbolic equivalence of two expressions with Symja (matheclipse-core), under a time limit.
 *
 * <p>Two expressions are equivalent when Symja reduces their difference to zero, directly or with
 * {@code Simplify}, or else when the difference evaluated with 50 significant digits is at most
 * 10<sup>-30</sup> times the sum of their magnitudes (at least 1) at every sample point: one point
 * when there are no variables, three fixed points with positive rational values otherwise. The
 * check is deterministic. Decimals arrive here as exact rationals, so {@code 3.1416} never equals
 * {@code \pi}.
 *
 * <p>Each check runs on a worker thread of this instance, one check at a time. When a check runs past
 * its time limit, the engine is asked to stop, the worker thread is interrupted, abandoned and replaced,
 * and the check reports {@link Verdict#LIMIT_EXCEEDED}; the same happens when Symja reports one of its
 * own limits (number size, expression size, iteration or recursion), and when the two expressions
 * evaluate, in machine precision, to numbers beyond the range of a double. While more than
 * {@link #MAX_ABANDONED_WORKERS} abandoned workers are still running, checks report
 * {@link Verdict#LIMIT_EXCEEDED} without starting.
 *
 * <p>Symja checks the stop request and the interrupt between evaluation steps. Inside one step, the
 * polynomial arithmetic of JAS 2.7 (factorisation, greatest common divisors) checks the interrupt each
 * time it creates a polynomial, provided JAS's preemption is on. Symja turns it off when it loads, so
 * this class turns it on again after loading. With it off, {@code \frac{(x+1)^{80}-1}{x}} kept its
 * abandoned worker factorising for 36 s after a 1 s limit; with it on, the worker ended within 50 ms of
 * the limit (2-core x86-64 machine, JIT compiler warmed up). The arbitrary-precision arithmetic of
 * apfloat checks neither, so the range check keeps numeric towers away from it. Without that check,
 * {@code e^{e^{e^{e^{3}}}}} kept its abandoned worker busy for 6 s after a 1 s limit.
 *
 * <p>The first check in a JVM waits for Symja to load (a few seconds), and that wait does not count
 * against the time limit. Loading sets Symja's global limits in {@link Config} for the whole JVM.
 */
final class SymbolicChecker {

    /** Result of a check. */
    enum Verdict { EQUAL, NOT_EQUAL, LIMIT_EXCEEDED }

    /** Most abandoned worker threads allowed to run on before checks are refused. */
    static final int MAX_ABANDONED_WORKERS = 4;

    private static final Logger log = LoggerFactory.getLogger(SymbolicChecker.class);
    private static final Duration STARTUP_LIMIT = Duration.ofMinutes(2);
    private static final int PRECISION_DIGITS = 50;
    private static final double RELATIVE_TOLERANCE = 1e-30;
    private static final int SAMPLE_POINTS = 3;
    private static final AtomicInteger WORKER_NUMBERS = new AtomicInteger();
    private static final Object STARTUP_LOCK = new Object();
    private static volatile boolean symjaLoaded;

    private final Object checkLock = new Object();
    private final AtomicLong timeouts = new AtomicLong();
    private final AtomicLong symjaLimits = new AtomicLong();
    private final AtomicLong refusals = new AtomicLong();
    private final List<Thread> abandonedWorkers = new ArrayList<>();
    private ExecutorService worker;
    private volatile Thread workerThread;
    private volatile EvalEngine workerEngine;

    /** Returns how many checks ran past their time limit. */
    long timeouts() {
        return timeouts.get();
    }

    /** Returns how many checks stopped at one of Symja's own limits or were refused. */
    long symjaLimits() {
        return symjaLimits.get();
    }

    /** Returns how many abandoned worker threads are still running. */
    int abandonedWorkersRunning() {
        synchronized (checkLock) {
            abandonedWorkers.removeIf(thread -> !thread.isAlive());
            return abandonedWorkers.size();
        }
    }

    /** Loads Symja and starts the worker thread if needed, waiting up to two minutes for that. */
    void start() {
        synchronized (checkLock) {
            startedWorker();
        }
    }

    /**
     * Checks whether {@code left} and {@code right} are equivalent, spending at most
     * {@code timeLimit} of evaluation time.
     */
    Verdict check(Expr left, Expr right, Duration timeLimit) {
        synchronized (checkLock) {
            if (tooManyAbandonedWorkers()) {
                long count = symjaLimits.incrementAndGet();
                if (refusals.getAndIncrement() % 100 == 0) {
                    log.warn("Skipped a symbolic check because {} timed-out Symja evaluations are still running ({} limit hits so far); "
                            + "the completion scores null",
                            abandonedWorkers.size(), count);
                }
                return Verdict.LIMIT_EXCEEDED;
            }
            ExecutorService executor = startedWorker();
            long started = System.nanoTime();
            Future<Verdict> result = executor.submit(() -> compare(left, right));
            try {
                Verdict verdict = result.get(timeLimit.toNanos(), TimeUnit.NANOSECONDS);
                // A verdict that arrives after the limit counts as a timeout too, so the limit does not depend
                // on how the waiting thread was scheduled.
                if (System.nanoTime() - started <= timeLimit.toNanos()) {
                    return verdict;
                }
                timeouts.incrementAndGet();
                return Verdict.LIMIT_EXCEEDED;
            } catch (TimeoutException e) {
                abandonWorker(result);
                long count = timeouts.incrementAndGet();
                // INFO, not WARN: a timeout is an expected outcome that callers count and report.
                if (count == 1 || count % 100 == 0) {
                    log.info("Symbolic check timed out after {} ms ({} timeouts so far)", timeLimit.toMillis(), count);
                }
                return Verdict.LIMIT_EXCEEDED;
            } catch (ExecutionException e) {
                log.debug("Symbolic check failed, treating the answers as different", e.getCause());
                return Verdict.NOT_EQUAL;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                abandonWorker(result);
                return Verdict.LIMIT_EXCEEDED;
            }
        }
    }

    private boolean tooManyAbandonedWorkers() {
        abandonedWorkers.removeIf(thread -> !thread.isAlive());
        return abandonedWorkers.size() > MAX_ABANDONED_WORKERS;
    }

    private ExecutorService startedWorker() {
        if (worker == null) {
            worker = Executors.newSingleThreadExecutor(task -> {
                Thread thread = new Thread(task, "symbolic-check-" + WORKER_NUMBERS.incrementAndGet());
                thread.setDaemon(true);
                workerThread = thread;
                return thread;
            });
            Future<?> startup = worker.submit(SymbolicChecker::startWorkerEngine);
            awaitStartup(startup);
        }
        return worker;
    }

    private void awaitStartup(Future<?> startup) {
        try {
            startup.get(STARTUP_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while loading Symja", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("failed to load Symja within " + STARTUP_LIMIT.toSeconds() + " s", e);
        }
    }

    private void abandonWorker(Future<Verdict> result) {
        EvalEngine engine = workerEngine;
        if (engine != null) {
            engine.stopRequest();
        }
        result.cancel(true);
        worker.shutdownNow();
        if (workerThread != null) {
            abandonedWorkers.add(workerThread);
        }
        worker = null;
        workerThread = null;
        workerEngine = null;
    }

    /** Loads Symja once per JVM and creates the evaluation engine of the current worker thread. */
    private static void startWorkerEngine() {
        synchronized (STARTUP_LOCK) {
            if (!symjaLoaded) {
                long started = System.nanoTime();
                // Symja's defaults are unbounded; these caps turn runaway arithmetic into a LimitException.
                Config.MAX_BIT_LENGTH = 100_000;
                Config.MAX_AST_SIZE = 20_000;
                Config.MAX_POLYNOMIAL_DEGREE = 200;
                Config.MAX_OUTPUT_SIZE = 20_000;
                Config.MAX_LOOP_COUNT = 100_000;
                F.initSymbols();
                // F's initialisation turns off JAS's interrupt check in new polynomials. With it on, an abandoned
                // worker's factorisation stops at the interrupt instead of running to its end. The setting is
                // JVM-wide, and in the services only these workers use Symja and JAS.
                PreemptStatus.setAllow();
                symjaLoaded = true;
                log.info("Loaded Symja for symbolic answer checks in {} ms", (System.nanoTime() - started) / 1_000_000);
            }
        }
        PrintStream discard = new PrintStream(OutputStream.nullOutputStream());
        EvalEngine engine = new EvalEngine("answer-check", 256, 10_000, discard, discard, false);
        engine.setQuietMode(true);
        EvalEngine.set(engine);
    }

    private Verdict compare(Expr left, Expr right) {
        EvalEngine engine = EvalEngine.get();
        workerEngine = engine;
        engine.setStopRequested(false);
        Map<String, ISymbol> symbols = new LinkedHashMap<>();
        try {
            IExpr leftValue = toSymja(left, symbols);
            IExpr rightValue = toSymja(right, symbols);
            IExpr difference = F.Subtract(leftValue, rightValue);
            if (engine.evaluate(difference).isZero() || engine.evaluate(F.Simplify(difference)).isZero()) {
                return Verdict.EQUAL;
            }
            IExpr magnitude = F.Plus(F.Abs(leftValue), F.Abs(rightValue));
            int points = symbols.isEmpty() ? 1 : SAMPLE_POINTS;
            for (int point = 0; point < points; point++) {
                IASTAppendable rules = F.ListAlloc(symbols.size());
                int index = 0;
                for (ISymbol symbol : symbols.values()) {
                    rules.append(F.Rule(symbol, samplePoint(point, index++)));
                }
                if (!withinMachineRange(engine, magnitude, rules)) {
                    symjaLimits.incrementAndGet();
                    log.debug("Symbolic check skipped: the values are beyond the range of a double");
                    return Verdict.LIMIT_EXCEEDED;
                }
                if (!numericallyZero(engine, difference, magnitude, rules)) {
                    return Verdict.NOT_EQUAL;
                }
            }
            return Verdict.EQUAL;
        } catch (LimitException e) {
            symjaLimits.incrementAndGet();
            log.debug("Symbolic check stopped at a Symja limit: {}", e.getMessage());
            return Verdict.LIMIT_EXCEEDED;
        } catch (StackOverflowError e) {
            symjaLimits.incrementAndGet();
            log.debug("Symbolic check overflowed the stack");
            return Verdict.LIMIT_EXCEEDED;
        }
    }

    /**
     * Returns whether the magnitude evaluates, in machine precision, to a finite number. A value beyond the
     * range of a double (a tower such as {@code e^{e^{e^{e^3}}}}) would make the 50-digit evaluation run
     * arbitrary-precision arithmetic in apfloat for seconds, and apfloat does not check the engine's stop
     * request, so such a check would run on after its time limit.
     */
    private static boolean withinMachineRange(EvalEngine engine, IExpr magnitude, IExpr rules) {
        IExpr scale = engine.evaluate(F.N(F.ReplaceAll(magnitude, rules)));
        if (!(scale instanceof INumber number)) {
            return false;
        }
        return Double.isFinite(Math.hypot(number.reDoubleValue(), number.imDoubleValue()));
    }

    private static boolean numericallyZero(EvalEngine engine, IExpr difference, IExpr magnitude, IExpr rules) {
        IExpr digits = F.ZZ(PRECISION_DIGITS);
        IExpr value = engine.evaluate(F.N(F.ReplaceAll(difference, rules), digits));
        IExpr scale = engine.evaluate(F.N(F.ReplaceAll(magnitude, rules), digits));
        if (!(value instanceof INumber number) || !(scale instanceof INumber scaleNumber)) {
            return false;
        }
        double distance = Math.hypot(number.reDoubleValue(), number.imDoubleValue());
        double size = Math.hypot(scaleNumber.reDoubleValue(), scaleNumber.imDoubleValue());
        if (!Double.isFinite(distance) || !Double.isFinite(size)) {
            return false;
        }
        return distance <= RELATIVE_TOLERANCE * Math.max(1.0, size);
    }

    /** Returns the value of variable {@code index} at sample point {@code point}: distinct, positive, below 2. */
    private static IExpr samplePoint(int point, int index) {
        long numerator = 3 + 7L * point + 11L * index;
        long denominator = 17 + 2L * point + 5L * index;
        return F.fraction(numerator, denominator);
    }

    private static IExpr toSymja(Expr expr, Map<String, ISymbol> symbols) {
        if (expr instanceof Expr.Num num) {
            BigInteger numerator = num.value().numerator();
            BigInteger denominator = num.value().denominator();
            return num.value().isInteger() ? F.ZZ(numerator) : F.fraction(numerator, denominator);
        }
        if (expr instanceof Expr.Var variable) {
            return symbols.computeIfAbsent(variable.name(), name -> F.Dummy("v" + symbols.size()));
        }
        if (expr instanceof Expr.Const constant) {
            return constant(constant.constant());
        }
        if (expr instanceof Expr.Neg neg) {
            return F.Negate(toSymja(neg.operand(), symbols));
        }
        if (expr instanceof Expr.Add add) {
            return F.Plus(toSymja(add.left(), symbols), toSymja(add.right(), symbols));
        }
        if (expr instanceof Expr.Mul mul) {
            return F.Times(toSymja(mul.left(), symbols), toSymja(mul.right(), symbols));
        }
        if (expr instanceof Expr.Div div) {
            return F.Divide(toSymja(div.left(), symbols), toSymja(div.right(), symbols));
        }
        if (expr instanceof Expr.Pow pow) {
            return F.Power(toSymja(pow.base(), symbols), toSymja(pow.exponent(), symbols));
        }
        if (expr instanceof Expr.Root root) {
            IExpr radicand = toSymja(root.radicand(), symbols);
            IExpr index = toSymja(root.index(), symbols);
            // Surd is the real root, so the cube root of -8 is -2 as in school mathematics.
            return index.isInteger() ? F.Surd(radicand, index) : F.Power(radicand, F.Divide(F.C1, index));
        }
        Expr.Call call = (Expr.Call) expr;
        return function(call.function(), toSymja(call.argument(), symbols));
    }

    private static IExpr constant(Constant constant) {
        return switch (constant) {
            case PI -> F.Pi;
            case E -> F.E;
            case I -> F.CI;
            case INFINITY -> F.CInfinity;
        };
    }

    private static IExpr function(Expr.Function function, IExpr argument) {
        return switch (function) {
            case SQRT -> F.Sqrt(argument);
            case SIN -> F.Sin(argument);
            case COS -> F.Cos(argument);
            case TAN -> F.Tan(argument);
            case SEC -> F.Sec(argument);
            case CSC -> F.Csc(argument);
            case COT -> F.Cot(argument);
            case ARCSIN -> F.ArcSin(argument);
            case ARCCOS -> F.ArcCos(argument);
            case ARCTAN -> F.ArcTan(argument);
            case SINH -> F.Sinh(argument);
            case COSH -> F.Cosh(argument);
            case TANH -> F.Tanh(argument);
            case LN, LOG -> F.Log(argument);
            case EXP -> F.Exp(argument);
            case ABS -> F.Abs(argument);
            case FACTORIAL -> F.Factorial(argument);
        };
    }
}
