using System;
using System.Globalization;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace InstantIdAvatars.Schedulers
{
    /// <summary>How the training noise levels (betas) are laid out (diffusers' <c>beta_schedule</c>).</summary>
    public enum BetaSchedule
    {
        /// <summary>"linear": betas evenly spaced from beta_start to beta_end.</summary>
        Linear,
        /// <summary>"scaled_linear": square roots evenly spaced, then squared (Stable Diffusion / SDXL).</summary>
        ScaledLinear,
        /// <summary>"squaredcos_cap_v2": the cosine schedule of improved DDPM.</summary>
        SquaredCosCapV2,
    }

    /// <summary>What the denoiser predicts (diffusers' <c>prediction_type</c>).</summary>
    public enum PredictionType
    {
        /// <summary>"epsilon": the added noise (SDXL base).</summary>
        Epsilon,
        /// <summary>"v_prediction": the velocity of Salimans and Ho.</summary>
        VPrediction,
        /// <summary>"sample": the clean sample itself.</summary>
        Sample,
    }

    /// <summary>How inference timesteps are picked from the training range (diffusers' <c>timestep_spacing</c>).</summary>
    public enum TimestepSpacing
    {
        /// <summary>"linspace": evenly from 0 to num_train_timesteps-1, both ends included.</summary>
        Linspace,
        /// <summary>"leading": multiples of num_train_timesteps / n plus steps_offset (SDXL base).</summary>
        Leading,
        /// <summary>"trailing": counted down from num_train_timesteps, minus one.</summary>
        Trailing,
    }

    /// <summary>How sigmas between training timesteps are found (diffusers' <c>interpolation_type</c>).</summary>
    public enum InterpolationType
    {
        /// <summary>"linear": np.interp over the training sigmas.</summary>
        Linear,
        /// <summary>"log_linear": evenly spaced in log sigma.</summary>
        LogLinear,
    }

    /// <summary>The noise level after the last step (diffusers' <c>final_sigmas_type</c>).</summary>
    public enum FinalSigmasType
    {
        /// <summary>"sigma_min": the smallest training sigma (DPM-Solver in diffusers 0.25.1 always did this).</summary>
        SigmaMin,
        /// <summary>"zero": a fully denoised last step (diffusers ≥ 0.26 option, Euler's behaviour).</summary>
        Zero,
    }

    /// <summary>DPM-Solver flavour (diffusers' <c>algorithm_type</c>); only the data-prediction form is implemented.</summary>
    public enum DpmAlgorithmType
    {
        /// <summary>"dpmsolver++": DPM-Solver++ (multistep, data prediction).</summary>
        DpmSolverPlusPlus,
        /// <summary>"dpmsolver": the original noise-prediction DPM-Solver.</summary>
        DpmSolver,
        /// <summary>"sde-dpmsolver++": the stochastic variant.</summary>
        SdeDpmSolverPlusPlus,
        /// <summary>"sde-dpmsolver".</summary>
        SdeDpmSolver,
    }

    /// <summary>Second-order update rule of DPM-Solver (diffusers' <c>solver_type</c>).</summary>
    public enum DpmSolverType
    {
        /// <summary>"midpoint" (the diffusers default).</summary>
        Midpoint,
        /// <summary>"heun".</summary>
        Heun,
    }

    /// <summary>
    /// The fields of a diffusers <c>scheduler_config.json</c>. Fields whose diffusers default differs between
    /// scheduler classes are nullable: <c>null</c> means "the class default". Unknown fields are ignored, as
    /// diffusers' <c>from_config</c> ignores them.
    /// </summary>
    public sealed class SchedulerConfig
    {
        /// <summary>diffusers' <c>_class_name</c>, when the JSON had one.</summary>
        public string? ClassName { get; set; }
        /// <summary><c>num_train_timesteps</c> (1000).</summary>
        public int NumTrainTimesteps { get; set; } = 1000;
        /// <summary><c>beta_start</c> (class default: 0.0001; LCM 0.00085).</summary>
        public double? BetaStart { get; set; }
        /// <summary><c>beta_end</c> (class default: 0.02; LCM 0.012).</summary>
        public double? BetaEnd { get; set; }
        /// <summary><c>beta_schedule</c> (class default: linear; LCM scaled_linear).</summary>
        public BetaSchedule? BetaSchedule { get; set; }
        /// <summary><c>trained_betas</c>: explicit betas, overriding the schedule.</summary>
        public float[]? TrainedBetas { get; set; }
        /// <summary><c>prediction_type</c> (epsilon).</summary>
        public PredictionType PredictionType { get; set; } = PredictionType.Epsilon;
        /// <summary><c>timestep_spacing</c> (class default: linspace; DDIM and LCM leading).</summary>
        public TimestepSpacing? TimestepSpacing { get; set; }
        /// <summary><c>steps_offset</c> (0).</summary>
        public int StepsOffset { get; set; }
        /// <summary><c>use_karras_sigmas</c> (false).</summary>
        public bool UseKarrasSigmas { get; set; }
        /// <summary><c>sigma_min</c> for Karras sigmas (null: the smallest schedule sigma).</summary>
        public double? SigmaMin { get; set; }
        /// <summary><c>sigma_max</c> for Karras sigmas (null: the largest schedule sigma).</summary>
        public double? SigmaMax { get; set; }
        /// <summary><c>interpolation_type</c> (linear).</summary>
        public InterpolationType InterpolationType { get; set; } = InterpolationType.Linear;
        /// <summary>
        /// <c>final_sigmas_type</c> (class default: Euler zero; DPM-Solver sigma_min, which is what diffusers 0.25.1 —
        /// the version InstantID pins — always did).
        /// </summary>
        public FinalSigmasType? FinalSigmasType { get; set; }
        /// <summary><c>algorithm_type</c> (dpmsolver++).</summary>
        public DpmAlgorithmType AlgorithmType { get; set; } = DpmAlgorithmType.DpmSolverPlusPlus;
        /// <summary><c>solver_order</c> (2).</summary>
        public int SolverOrder { get; set; } = 2;
        /// <summary><c>solver_type</c> (midpoint).</summary>
        public DpmSolverType SolverType { get; set; } = DpmSolverType.Midpoint;
        /// <summary><c>lower_order_final</c> (true).</summary>
        public bool LowerOrderFinal { get; set; } = true;
        /// <summary><c>euler_at_final</c> (false).</summary>
        public bool EulerAtFinal { get; set; }
        /// <summary><c>lambda_min_clipped</c> (-inf).</summary>
        public double LambdaMinClipped { get; set; } = double.NegativeInfinity;
        /// <summary><c>original_inference_steps</c> of LCM (50).</summary>
        public int OriginalInferenceSteps { get; set; } = 50;
        /// <summary><c>timestep_scaling</c> of LCM's boundary conditions (10).</summary>
        public double TimestepScaling { get; set; } = 10.0;
        /// <summary><c>clip_sample</c> (class default: DDIM true, LCM false).</summary>
        public bool? ClipSample { get; set; }
        /// <summary><c>clip_sample_range</c> (1).</summary>
        public double ClipSampleRange { get; set; } = 1.0;
        /// <summary><c>set_alpha_to_one</c> (class default: true for DDIM and LCM).</summary>
        public bool? SetAlphaToOne { get; set; }
        /// <summary><c>thresholding</c> (false; dynamic thresholding is not implemented).</summary>
        public bool Thresholding { get; set; }
        /// <summary><c>rescale_betas_zero_snr</c> (false; not implemented).</summary>
        public bool RescaleBetasZeroSnr { get; set; }
        /// <summary><c>timestep_type</c> (discrete; "continuous" is not implemented).</summary>
        public string TimestepType { get; set; } = "discrete";

        /// <summary>SDXL base 1.0's <c>scheduler/scheduler_config.json</c> (EulerDiscreteScheduler, leading, offset 1).</summary>
        public static SchedulerConfig SdxlBase() => new SchedulerConfig
        {
            ClassName = "EulerDiscreteScheduler",
            NumTrainTimesteps = 1000,
            BetaStart = 0.00085,
            BetaEnd = 0.012,
            BetaSchedule = Schedulers.BetaSchedule.ScaledLinear,
            ClipSample = false,
            InterpolationType = InterpolationType.Linear,
            PredictionType = PredictionType.Epsilon,
            SetAlphaToOne = false,
            StepsOffset = 1,
            TimestepSpacing = Schedulers.TimestepSpacing.Leading,
            UseKarrasSigmas = false,
        };

        /// <summary>A field-by-field copy, for applying overrides without touching the original.</summary>
        public SchedulerConfig Clone()
        {
            var copy = (SchedulerConfig)MemberwiseClone();
            copy.TrainedBetas = TrainedBetas == null ? null : (float[])TrainedBetas.Clone();
            return copy;
        }

        /// <summary>Parses the text of a diffusers <c>scheduler_config.json</c>.</summary>
        /// <exception cref="InstantIdException">The text is not a JSON object or a field has a bad value.</exception>
        public static SchedulerConfig Parse(string json)
        {
            if (json == null) throw new ArgumentNullException(nameof(json));
            JToken token;
            try
            {
                using var reader = new JsonTextReader(new System.IO.StringReader(json)) { FloatParseHandling = FloatParseHandling.Double };
                token = JToken.ReadFrom(reader);
            }
            catch (JsonException e)
            {
                throw new InstantIdException("Scheduler config is not valid JSON (" + e.Message + "); pass the text of a diffusers scheduler_config.json.", e);
            }
            if (!(token is JObject obj))
                throw new InstantIdException("Scheduler config must be a JSON object like diffusers' scheduler_config.json.");
            return FromJson(obj);
        }

        /// <summary>Reads a diffusers scheduler config object; unknown fields are ignored, null means default.</summary>
        /// <exception cref="InstantIdException">A known field has a value of the wrong type or outside its range.</exception>
        public static SchedulerConfig FromJson(JObject json)
        {
            if (json == null) throw new ArgumentNullException(nameof(json));
            var c = new SchedulerConfig();
            c.ClassName = Str(json, "_class_name");
            c.NumTrainTimesteps = Int(json, "num_train_timesteps", 1, 1_000_000) ?? c.NumTrainTimesteps;
            c.BetaStart = Num(json, "beta_start", 0, 1);
            c.BetaEnd = Num(json, "beta_end", 0, 1);
            c.BetaSchedule = Enum(json, "beta_schedule", ParseBetaSchedule);
            c.TrainedBetas = Floats(json, "trained_betas");
            c.PredictionType = Enum(json, "prediction_type", ParsePredictionType) ?? c.PredictionType;
            c.TimestepSpacing = Enum(json, "timestep_spacing", ParseSpacing);
            c.StepsOffset = Int(json, "steps_offset", 0, 1_000_000) ?? 0;
            c.UseKarrasSigmas = Bool(json, "use_karras_sigmas") ?? false;
            c.SigmaMin = Num(json, "sigma_min", 0, double.MaxValue);
            c.SigmaMax = Num(json, "sigma_max", 0, double.MaxValue);
            c.InterpolationType = Enum(json, "interpolation_type", ParseInterpolation) ?? c.InterpolationType;
            c.FinalSigmasType = Enum(json, "final_sigmas_type", ParseFinalSigmas);
            c.AlgorithmType = Enum(json, "algorithm_type", ParseAlgorithm) ?? c.AlgorithmType;
            c.SolverOrder = Int(json, "solver_order", 1, 3) ?? c.SolverOrder;
            c.SolverType = Enum(json, "solver_type", ParseSolverType) ?? c.SolverType;
            c.LowerOrderFinal = Bool(json, "lower_order_final") ?? c.LowerOrderFinal;
            c.EulerAtFinal = Bool(json, "euler_at_final") ?? c.EulerAtFinal;
            c.LambdaMinClipped = Num(json, "lambda_min_clipped", double.NegativeInfinity, double.PositiveInfinity) ?? c.LambdaMinClipped;
            c.OriginalInferenceSteps = Int(json, "original_inference_steps", 1, 1_000_000) ?? c.OriginalInferenceSteps;
            c.TimestepScaling = Num(json, "timestep_scaling", 0, double.MaxValue) ?? c.TimestepScaling;
            c.ClipSample = Bool(json, "clip_sample");
            c.ClipSampleRange = Num(json, "clip_sample_range", 0, double.MaxValue) ?? c.ClipSampleRange;
            c.SetAlphaToOne = Bool(json, "set_alpha_to_one");
            c.Thresholding = Bool(json, "thresholding") ?? false;
            c.RescaleBetasZeroSnr = Bool(json, "rescale_betas_zero_snr") ?? false;
            c.TimestepType = Str(json, "timestep_type") ?? c.TimestepType;
            // Newer diffusers sigma schedules this port does not implement: refuse rather than silently differ.
            foreach (var flag in new[] { "use_lu_lambdas", "use_exponential_sigmas", "use_beta_sigmas", "use_flow_sigmas", "use_dynamic_shifting" })
                if (Bool(json, flag) == true)
                    throw new InstantIdException($"Scheduler config field '{flag}' is true, which is not supported; set it to false or use Karras sigmas.");
            if (c.TimestepType != "discrete" && c.TimestepType != "continuous")
                throw Bad("timestep_type", json["timestep_type"], "\"discrete\" or \"continuous\"");
            return c;
        }

        static InstantIdException Bad(string field, JToken? value, string expected) =>
            new InstantIdException($"Scheduler config field '{field}' has the value {value?.ToString(Formatting.None) ?? "null"}; expected {expected}. Fix the scheduler_config.json.");

        static JToken? Get(JObject json, string field)
        {
            var v = json[field];
            return v == null || v.Type == JTokenType.Null ? null : v;
        }

        static string? Str(JObject json, string field)
        {
            var v = Get(json, field);
            if (v == null) return null;
            if (v.Type != JTokenType.String) throw Bad(field, v, "a string");
            return (string)v!;
        }

        static bool? Bool(JObject json, string field)
        {
            var v = Get(json, field);
            if (v == null) return null;
            if (v.Type != JTokenType.Boolean) throw Bad(field, v, "true or false");
            return (bool)v;
        }

        static double? Num(JObject json, string field, double min, double max)
        {
            var v = Get(json, field);
            if (v == null) return null;
            double d;
            if (v.Type == JTokenType.Float || v.Type == JTokenType.Integer) d = (double)v;
            // Python's json writes -inf as -Infinity, which Newtonsoft reads as a float or a string.
            else if (v.Type == JTokenType.String && double.TryParse((string)v!, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed)) d = parsed;
            else throw Bad(field, v, "a number");
            if (double.IsNaN(d) || d < min || d > max) throw Bad(field, v, $"a number in [{min}, {max}]");
            return d;
        }

        static int? Int(JObject json, string field, int min, int max)
        {
            var v = Get(json, field);
            if (v == null) return null;
            double d;
            if (v.Type == JTokenType.Integer) d = (long)v;
            else if (v.Type == JTokenType.Float && Math.Floor((double)v) == (double)v) d = (double)v;
            else throw Bad(field, v, "an integer");
            if (d < min || d > max) throw Bad(field, v, $"an integer in [{min}, {max}]");
            return (int)d;
        }

        static float[]? Floats(JObject json, string field)
        {
            var v = Get(json, field);
            if (v == null) return null;
            if (!(v is JArray array) || array.Count == 0) throw Bad(field, v, "a non-empty array of numbers");
            var result = new float[array.Count];
            for (int i = 0; i < result.Length; i++)
            {
                var item = array[i];
                if (item.Type != JTokenType.Float && item.Type != JTokenType.Integer) throw Bad(field, v, "an array of numbers");
                result[i] = (float)(double)item;
            }
            return result;
        }

        static T? Enum<T>(JObject json, string field, Func<string, T?> parse) where T : struct
        {
            var s = Str(json, field);
            if (s == null) return null;
            var parsed = parse(s);
            if (parsed == null) throw Bad(field, json[field], "one of " + ExpectedValues(field));
            return parsed;
        }

        static string ExpectedValues(string field) => field switch
        {
            "beta_schedule" => "\"linear\", \"scaled_linear\", \"squaredcos_cap_v2\"",
            "prediction_type" => "\"epsilon\", \"v_prediction\", \"sample\"",
            "timestep_spacing" => "\"linspace\", \"leading\", \"trailing\"",
            "interpolation_type" => "\"linear\", \"log_linear\"",
            "final_sigmas_type" => "\"sigma_min\", \"zero\"",
            "algorithm_type" => "\"dpmsolver++\", \"dpmsolver\", \"sde-dpmsolver++\", \"sde-dpmsolver\"",
            "solver_type" => "\"midpoint\", \"heun\"",
            _ => "the documented values",
        };

        static BetaSchedule? ParseBetaSchedule(string s) => s switch
        {
            "linear" => Schedulers.BetaSchedule.Linear,
            "scaled_linear" => Schedulers.BetaSchedule.ScaledLinear,
            "squaredcos_cap_v2" => Schedulers.BetaSchedule.SquaredCosCapV2,
            _ => null,
        };

        static PredictionType? ParsePredictionType(string s) => s switch
        {
            "epsilon" => PredictionType.Epsilon,
            "v_prediction" => PredictionType.VPrediction,
            "sample" => PredictionType.Sample,
            _ => null,
        };

        static TimestepSpacing? ParseSpacing(string s) => s switch
        {
            "linspace" => Schedulers.TimestepSpacing.Linspace,
            "leading" => Schedulers.TimestepSpacing.Leading,
            "trailing" => Schedulers.TimestepSpacing.Trailing,
            _ => null,
        };

        static InterpolationType? ParseInterpolation(string s) => s switch
        {
            "linear" => InterpolationType.Linear,
            "log_linear" => InterpolationType.LogLinear,
            _ => null,
        };

        static FinalSigmasType? ParseFinalSigmas(string s) => s switch
        {
            "sigma_min" => Schedulers.FinalSigmasType.SigmaMin,
            "zero" => Schedulers.FinalSigmasType.Zero,
            _ => null,
        };

        static DpmAlgorithmType? ParseAlgorithm(string s) => s switch
        {
            "dpmsolver++" => DpmAlgorithmType.DpmSolverPlusPlus,
            "dpmsolver" => DpmAlgorithmType.DpmSolver,
            "sde-dpmsolver++" => DpmAlgorithmType.SdeDpmSolverPlusPlus,
            "sde-dpmsolver" => DpmAlgorithmType.SdeDpmSolver,
            _ => null,
        };

        static DpmSolverType? ParseSolverType(string s) => s switch
        {
            "midpoint" => DpmSolverType.Midpoint,
            "heun" => DpmSolverType.Heun,
            _ => null,
        };
    }
}
