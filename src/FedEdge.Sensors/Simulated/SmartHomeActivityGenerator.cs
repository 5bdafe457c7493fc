using FedEdge.Sensors.Features;
using FedEdge.Core.Data;

namespace FedEdge.Sensors.Simulated;

/// <summary>
/// Seeded generator of a synthetic "room activity" classification task: 5 classes
/// (<see cref="SmartHomeActivity"/>) recognised from 5-minute windows of 7 household sensors
/// (temperature, relative humidity, CO2, light, sound level, PIR motion, power draw), each
/// summarised by the mean and standard deviation of 30 readings taken every 10 s
/// (<see cref="SmartHomeSchema.FeatureNames"/> gives the 14 features in order, physical units).
/// </summary>
/// <remarks>
/// <para>Generative model (full parameter tables in docs/synthetic-smart-home-data.md):</para>
/// <list type="number">
/// <item>Each home draws a <em>profile</em> from its own seed: base temperature N(20.5, 1.0) °C,
/// base humidity N(45, 6) %, ventilation U(0.35, 1.5) air changes/h, 1–3 sleepers, base load
/// U(40, 160) W, appliance power scale LogN(1, 0.25), a pet with p = 0.3, sensor offsets
/// (temperature N(0, 0.4) °C, humidity N(0, 2.5) %, sound N(0, 2.5) dB), light and PIR gains
/// LogN(1, 0.3) and LogN(1, 0.25), a routine shift N(0, 1) h and per-class habit weights
/// LogN(1, 0.4) (working additionally × U(0.2, 2)).</item>
/// <item>Each window draws an hour of day U(0, 24) and then its class from
/// p(c | h, home) ∝ habit_c · diurnal_c(h − shift) (<see cref="ClassProbabilities"/>).</item>
/// <item>Given the class (and, for occupied classes, a "quiet" variant such as yoga instead of a
/// workout or reading instead of laptop work, so classes overlap), each sensor's 30 readings follow
/// the class profile with a window-level random level, a within-window trend where physics implies
/// one (cooking heats and humidifies, CO2 approaches its ventilation steady state) and per-reading
/// noise. Power is the whole-home draw; the other sensors are in the labelled room.</item>
/// </list>
/// <para>Same seed ⇒ identical data; each home's data depends only on (seed, home id, sample
/// count), not on which other homes were generated. Features are in physical units; apply
/// <see cref="SmartHomeSchema.Standardize"/> before training.</para>
/// </remarks>
public sealed class SmartHomeActivityGenerator
{
    /// <summary>Readings per window: 5 minutes at one reading per 10 s.</summary>
    public const int ReadingsPerWindow = 30;

    /// <summary>Most samples one call may generate (memory bound).</summary>
    public const int MaxSamples = 10_000_000;

    private const int SensorCount = 7;
    private const double MinutesPerReading = 10.0 / 60.0;
    private const double OutdoorCo2 = 420.0;

    private const ulong ProfileStream = 1;
    private const ulong SampleStream = 2;

    private readonly int _seed;

    /// <summary>Creates a generator; all output is a pure function of <paramref name="seed"/> and the arguments.</summary>
    public SmartHomeActivityGenerator(int seed)
    {
        _seed = seed;
    }

    /// <summary>
    /// The probability of each class for a window starting at <paramref name="hourOfDay"/> in home
    /// <paramref name="homeId"/>: habit_c · diurnal_c(h − routine shift), normalised.
    /// </summary>
    public double[] ClassProbabilities(int homeId, double hourOfDay)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(homeId);
        var probabilities = new double[SmartHomeSchema.ClassCount];
        FillClassProbabilities(Profile(homeId), hourOfDay, probabilities);
        return probabilities;
    }

    /// <summary>Generates <paramref name="samples"/> windows of home <paramref name="homeId"/>.</summary>
    public Dataset GenerateHome(int homeId, int samples)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(homeId);
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(samples, MaxSamples);

        var home = Profile(homeId);
        var random = new Random(DeriveSeed(homeId, SampleStream));
        int featureCount = SmartHomeSchema.FeatureNames.Count;
        var features = new float[samples * featureCount];
        var labels = new int[samples];
        var readings = new double[SensorCount * ReadingsPerWindow];
        var probabilities = new double[SmartHomeSchema.ClassCount];
        for (int i = 0; i < samples; i++)
        {
            double hour = random.NextUniform(0, 24);
            FillClassProbabilities(home, hour, probabilities);
            var activity = (SmartHomeActivity)Categorical(random, probabilities);
            labels[i] = (int)activity;
            SimulateWindow(home, activity, hour, random, readings);
            Summarise(readings, features.AsSpan(i * featureCount, featureCount));
        }

        return new Dataset(features, labels, featureCount, SmartHomeSchema.ClassCount);
    }

    /// <summary>Generates homes 0..<paramref name="homes"/>−1 with <paramref name="samplesPerHome"/> windows each.</summary>
    public SmartHomeActivityData Generate(int homes, int samplesPerHome)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(homes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(samplesPerHome, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((long)homes * samplesPerHome, MaxSamples, nameof(homes) + " × " + nameof(samplesPerHome));

        var perHome = new Dataset[homes];
        var allFeatures = new float[homes * samplesPerHome * SmartHomeSchema.FeatureNames.Count];
        var allLabels = new int[homes * samplesPerHome];
        for (int h = 0; h < homes; h++)
        {
            perHome[h] = GenerateHome(h, samplesPerHome);
            perHome[h].Features.CopyTo(allFeatures.AsSpan(h * samplesPerHome * SmartHomeSchema.FeatureNames.Count));
            perHome[h].Labels.CopyTo(allLabels.AsSpan(h * samplesPerHome));
        }

        return new SmartHomeActivityData(perHome, new Dataset(allFeatures, allLabels, SmartHomeSchema.FeatureNames.Count, SmartHomeSchema.ClassCount));
    }

    internal HomeProfile Profile(int homeId) => HomeProfile.Draw(new Random(DeriveSeed(homeId, ProfileStream)));

    /// <summary>
    /// Unnormalised diurnal weight of each class at hour h: a floor plus circular Gaussian bumps
    /// centred on the usual times (docs §3).
    /// </summary>
    private static double Diurnal(SmartHomeActivity activity, double h) => activity switch
    {
        SmartHomeActivity.Empty => 0.25 + Bump(h, 13.0, 3.5),
        SmartHomeActivity.Sleeping => 0.02 + (1.6 * Bump(h, 3.0, 3.0)),
        SmartHomeActivity.Cooking => 0.03 + (0.7 * Bump(h, 7.5, 0.8)) + (0.5 * Bump(h, 12.5, 0.8)) + Bump(h, 19.0, 1.0),
        SmartHomeActivity.Working => 0.03 + (0.9 * Bump(h, 13.0, 3.0)),
        SmartHomeActivity.Exercising => 0.02 + (0.5 * Bump(h, 7.0, 1.0)) + (0.6 * Bump(h, 18.0, 1.2)),
        _ => throw new ArgumentOutOfRangeException(nameof(activity)),
    };

    /// <summary>exp(−d²/2σ²) with d the circular distance in hours between h and the centre.</summary>
    private static double Bump(double h, double centre, double width)
    {
        double d = Math.Abs(h - centre) % 24.0;
        d = Math.Min(d, 24.0 - d);
        return Math.Exp(-(d * d) / (2 * width * width));
    }

    private static void FillClassProbabilities(HomeProfile home, double hour, Span<double> probabilities)
    {
        double shifted = hour - home.RoutineShift;
        double total = 0;
        for (int c = 0; c < SmartHomeSchema.ClassCount; c++)
        {
            probabilities[c] = home.ClassWeights[c] * Diurnal((SmartHomeActivity)c, shifted);
            total += probabilities[c];
        }

        for (int c = 0; c < SmartHomeSchema.ClassCount; c++)
        {
            probabilities[c] /= total;
        }
    }

    private static int Categorical(Random random, ReadOnlySpan<double> probabilities)
    {
        double u = random.NextDouble();
        for (int c = 0; c < probabilities.Length - 1; c++)
        {
            u -= probabilities[c];
            if (u < 0)
            {
                return c;
            }
        }

        return probabilities.Length - 1;
    }

    /// <summary>Fills readings[sensor * 30 + k] with the 30 readings of each sensor for one window.</summary>
    private static void SimulateWindow(HomeProfile home, SmartHomeActivity activity, double hour, Random random, Span<double> readings)
    {
        const int n = ReadingsPerWindow;
        var temperature = readings[..n];
        var humidity = readings.Slice(n, n);
        var co2 = readings.Slice(2 * n, n);
        var light = readings.Slice(3 * n, n);
        var sound = readings.Slice(4 * n, n);
        var motion = readings.Slice(5 * n, n);
        var power = readings.Slice(6 * n, n);

        // A quieter variant of each occupied class makes the classes overlap as real rooms do:
        // sleeping → lying awake with a reading lamp (p 0.15); cooking → prep or microwave only,
        // no stove, no steam (p 0.3); working → reading or on the phone, no laptop
        // (p 0.35); exercising → yoga or stretching (p 0.35).
        bool quiet = activity switch
        {
            SmartHomeActivity.Sleeping => random.NextBernoulli(0.15),
            SmartHomeActivity.Cooking => random.NextBernoulli(0.3),
            SmartHomeActivity.Working => random.NextBernoulli(0.35),
            SmartHomeActivity.Exercising => random.NextBernoulli(0.35),
            _ => false,
        };

        // Temperature: set-point, outdoor swing peaking at 15:00, class offset (night set-back,
        // body and stove heat), window-level N(0, 0.8) for heating cycles; trend while cooking/exercising.
        double outdoorSwing = 0.6 * Math.Sin(2 * Math.PI * (hour - 9.0) / 24.0);
        (double tempDelta, double tempSlope) = activity switch
        {
            SmartHomeActivity.Empty => (-0.6, random.NextGaussian(0, 0.005)),
            SmartHomeActivity.Sleeping => (-1.2, random.NextGaussian(0, 0.005)),
            SmartHomeActivity.Cooking => quiet ? (0.3, random.NextGaussian(0, 0.005)) : (0.6, random.NextUniform(0.0, 0.06)),
            SmartHomeActivity.Working => (0.3, random.NextGaussian(0, 0.005)),
            _ => (0.7, random.NextUniform(0.0, 0.03)),
        };
        double tempLevel = home.BaseTemperature + outdoorSwing + tempDelta + random.NextGaussian(0, 0.8);

        // Humidity: cooking steam and breathing raise it; rises within the window while cooking.
        (double humDelta, double humSlope) = activity switch
        {
            SmartHomeActivity.Empty => (0.0, 0.0),
            SmartHomeActivity.Sleeping => (3.0, 0.03),
            SmartHomeActivity.Cooking => quiet ? (2.0, 0.0) : (6.0, random.NextUniform(0.0, 0.8)),
            SmartHomeActivity.Working => (0.0, 0.0),
            _ => (4.0, 0.1),
        };
        double humLevel = home.BaseHumidity + humDelta + random.NextGaussian(0, 4.0);

        // CO2: single-zone mass balance, C(t) = C_out + E·(1 − (1 − f0)·e^(−ACH·t)), where the
        // steady-state excess E = generation·people / ACH and f0 ~ U(0.4, 1) is how far the room
        // had already approached it when the window started.
        (double generation, double people) = activity switch
        {
            SmartHomeActivity.Empty => (0.0, 0.0),
            SmartHomeActivity.Sleeping => (130.0, home.Sleepers),
            SmartHomeActivity.Cooking => (200.0, random.NextUniform(1.0, 2.0)),
            SmartHomeActivity.Working => (180.0, 1.0),
            _ => (quiet ? 250.0 : 450.0, 1.0),
        };
        double excess = (generation * people / home.AirChangesPerHour * random.NextLogNormal(1.0, 0.3))
            + random.NextUniform(0, activity == SmartHomeActivity.Empty ? 150.0 : 50.0);
        double reached = random.NextUniform(0.4, 1.0);
        double outdoor = OutdoorCo2 + random.NextGaussian(0, 15.0);

        // Light: daylight (06:30–19:30, curtains/clouds/orientation U(30, 800) lux at noon) plus
        // lamps by class; in a bright room people mostly leave the lamps off.
        double daylight = Math.Max(0, Math.Sin(Math.PI * (hour - 6.5) / 13.0)) * random.NextUniform(30, 800);
        double lampUse = daylight > 250 ? 0.3 : 1.0;
        double lamps;
        switch (activity)
        {
            case SmartHomeActivity.Empty:
                lamps = random.NextBernoulli(0.15) ? random.NextUniform(50, 300) : 0; // left on
                break;
            case SmartHomeActivity.Sleeping:
                daylight *= 0.1; // curtains drawn
                lamps = quiet ? random.NextUniform(20, 150) : random.NextBernoulli(0.1) ? random.NextUniform(1, 10) : 0;
                break;
            case SmartHomeActivity.Cooking:
                lamps = random.NextBernoulli(0.9 * lampUse) ? random.NextUniform(250, 600) : 0;
                break;
            case SmartHomeActivity.Working:
                lamps = random.NextBernoulli(0.75 * lampUse) ? random.NextUniform(250, 500) : 0;
                break;
            default:
                lamps = random.NextBernoulli(0.6 * lampUse) ? random.NextUniform(150, 450) : 0;
                break;
        }

        bool occupantsMoving = activity is SmartHomeActivity.Cooking or SmartHomeActivity.Exercising;

        // Sound (dB, A-weighted Leq per 10 s): a quiet-home background plus daytime traffic, then
        // the class's level with a window-level spread and per-reading spread; bursts for snoring
        // and outside noise.
        double background = 28.0 + home.SoundOffset + (2.0 * Bump(hour, 12.0, 5.0));
        (double soundLevel, double soundSpread, double burstP) = activity switch
        {
            SmartHomeActivity.Empty => (background + 2.0, 1.5, 0.05),
            SmartHomeActivity.Sleeping => (background + (quiet ? 3.0 : 1.0), 1.0, 0.15),
            SmartHomeActivity.Cooking => (background + (quiet ? 14.0 : 22.0) + random.NextGaussian(0, 6.0), 4.0, 0.0),
            SmartHomeActivity.Working => (background + (quiet ? 6.0 : 12.0) + random.NextGaussian(0, 6.0), 5.0, 0.0),
            _ => (background + (quiet ? 15.0 : 30.0) + random.NextGaussian(0, 6.0), 5.0, 0.0),
        };

        // PIR motion (events/min): Poisson counts per 10 s reading, rate by class × sensor gain × window spread.
        double motionRate = activity switch
        {
            SmartHomeActivity.Empty => home.HasPet ? 0.6 : 0.02,
            SmartHomeActivity.Sleeping => quiet ? 0.5 : 0.15,
            SmartHomeActivity.Cooking => quiet ? 2.0 : 3.0,
            SmartHomeActivity.Working => quiet ? 0.6 : 1.0,
            _ => quiet ? 2.0 : 6.0,
        } * home.MotionGain * random.NextLogNormal(1.0, 0.7);

        // Power (W): base load + fridge compressor (Markov on/off) + the class's appliances.
        double appliance;
        double applianceOnP;
        switch (activity)
        {
            case SmartHomeActivity.Empty:
            case SmartHomeActivity.Sleeping:
                // Washing machine / dishwasher running unattended (delayed start at night).
                bool running = random.NextBernoulli(activity == SmartHomeActivity.Empty ? 0.2 : 0.05);
                appliance = running ? random.NextUniform(300, 2000) : 0;
                applianceOnP = 0.6;
                break;
            case SmartHomeActivity.Cooking:
                // Stove with thermostat cycling, or (quiet variant) a microwave/kettle now and then.
                appliance = quiet ? random.NextUniform(0, 1200) : random.NextUniform(800, 2800);
                applianceOnP = quiet ? 0.3 : 0.7;
                break;
            case SmartHomeActivity.Working:
                appliance = quiet
                    ? random.NextUniform(0, 15) // phone charger
                    : random.NextUniform(40, 120) + (random.NextBernoulli(0.6) ? random.NextUniform(20, 40) : 0);
                applianceOnP = 1.0;
                break;
            default:
                appliance = (random.NextBernoulli(0.6) ? random.NextUniform(50, 200) : 0)
                    + (random.NextBernoulli(0.2) ? random.NextUniform(400, 900) : 0);
                applianceOnP = 1.0;
                break;
        }

        appliance *= home.PowerScale;
        double extractor = activity == SmartHomeActivity.Cooking && !quiet && random.NextBernoulli(0.5) ? 60.0 : 0.0;
        bool fridgeOn = random.NextBernoulli(0.4);

        for (int k = 0; k < n; k++)
        {
            double minutes = k * MinutesPerReading;

            temperature[k] = Math.Clamp(tempLevel + (tempSlope * minutes) + random.NextGaussian(0, 0.08) + home.TemperatureOffset, 5.0, 40.0);

            humidity[k] = Math.Clamp(humLevel + (humSlope * minutes) + random.NextGaussian(0, 0.4) + home.HumidityOffset, 0.0, 100.0);

            double approach = 1.0 - ((1.0 - reached) * Math.Exp(-home.AirChangesPerHour * minutes / 60.0));
            co2[k] = Math.Max(350.0, outdoor + (excess * approach) + random.NextGaussian(0, 8.0));

            // Someone moving near the sensor shades it now and then.
            double shade = occupantsMoving && random.NextBernoulli(0.2) ? 1.0 - (0.3 * random.NextDouble()) : 1.0;
            light[k] = Math.Max(0.0, (daylight + lamps) * home.LightGain * shade * (1.0 + random.NextGaussian(0, 0.03)));

            double burst = random.NextBernoulli(burstP) ? random.NextUniform(8, 15) : 0.0;
            sound[k] = Math.Clamp(soundLevel + burst + random.NextGaussian(0, soundSpread), 20.0, 110.0);

            // Counts in 10 s scaled to events per minute.
            motion[k] = random.NextPoisson(motionRate * MinutesPerReading) / MinutesPerReading;

            if (random.NextBernoulli(0.05))
            {
                fridgeOn = !fridgeOn;
            }

            double load = home.BaseLoad + (fridgeOn ? 90.0 : 0.0) + extractor
                + (random.NextBernoulli(applianceOnP) ? appliance : 0.0);
            power[k] = Math.Max(0.0, load + random.NextGaussian(0, 3.0));
        }
    }

    /// <summary>Per sensor: mean, then population standard deviation (two-pass, float64) of its readings.</summary>
    private static void Summarise(ReadOnlySpan<double> readings, Span<float> features)
    {
        for (int s = 0; s < SensorCount; s++)
        {
            var series = readings.Slice(s * ReadingsPerWindow, ReadingsPerWindow);
            double mean = 0;
            foreach (double x in series)
            {
                mean += x;
            }

            mean /= series.Length;
            double squares = 0;
            foreach (double x in series)
            {
                squares += (x - mean) * (x - mean);
            }

            features[2 * s] = (float)mean;
            features[(2 * s) + 1] = (float)Math.Sqrt(squares / series.Length);
        }
    }

    /// <summary>
    /// An independent 31-bit seed per (generator seed, home, stream), mixed by SplitMix64's
    /// finaliser (Steele, Lea &amp; Flood 2014) so neighbouring homes get unrelated streams.
    /// </summary>
    private int DeriveSeed(int homeId, ulong stream)
    {
        ulong z = ((ulong)(uint)_seed << 32) | (uint)homeId;
        z += stream * 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (int)(z & 0x7FFF_FFFF);
    }
}
