using System;

namespace InstantIdAvatars.Schedulers
{
    /// <summary>Creates schedulers from diffusers class names or the short names used in UIs and presets.</summary>
    public static class SchedulerFactory
    {
        /// <summary>The short names <see cref="Create"/> understands.</summary>
        public static readonly string[] ShortNames =
            { "euler", "euler_karras", "euler_trailing", "euler_a", "dpmpp_2m", "dpmpp_2m_karras", "ddim", "lcm" };

        /// <summary>The diffusers <c>_class_name</c>s <see cref="Create"/> understands.</summary>
        public static readonly string[] ClassNames =
            { "EulerDiscreteScheduler", "EulerAncestralDiscreteScheduler", "DPMSolverMultistepScheduler", "DDIMScheduler", "LCMScheduler" };

        /// <summary>
        /// Builds a scheduler. <paramref name="name"/> is a diffusers <c>_class_name</c> (see <see cref="ClassNames"/>)
        /// or a short name (see <see cref="ShortNames"/>); short names apply their overrides (e.g. dpmpp_2m_karras:
        /// dpmsolver++, order 2, Karras sigmas) on a copy of <paramref name="config"/>, as diffusers users do with
        /// <c>Class.from_config(cfg, **overrides)</c>. A null name uses <c>config.ClassName</c>. Names are case-insensitive.
        /// </summary>
        /// <exception cref="InstantIdException">Unknown name, or a config the scheduler does not support.</exception>
        public static IScheduler Create(string? name, SchedulerConfig config)
        {
            if (config == null) throw new ArgumentNullException(nameof(config));
            var key = name ?? config.ClassName;
            if (string.IsNullOrWhiteSpace(key))
                throw new InstantIdException("No scheduler name given and the config has no _class_name; pass e.g. \"euler\" or \"EulerDiscreteScheduler\".");
            var c = config.Clone();
            switch (key!.Trim().ToLowerInvariant())
            {
                case "eulerdiscretescheduler":
                case "euler":
                    return new EulerDiscreteScheduler(c);
                case "euler_karras":
                    c.UseKarrasSigmas = true;
                    return new EulerDiscreteScheduler(c);
                case "euler_trailing":
                    c.TimestepSpacing = TimestepSpacing.Trailing;
                    return new EulerDiscreteScheduler(c);
                case "eulerancestraldiscretescheduler":
                case "euler_a":
                case "euler_ancestral":
                    return new EulerAncestralDiscreteScheduler(c);
                case "dpmsolvermultistepscheduler":
                    return new DpmSolverMultistepScheduler(c);
                case "dpmpp_2m":
                case "dpmpp_2m_karras":
                    c.AlgorithmType = DpmAlgorithmType.DpmSolverPlusPlus;
                    c.SolverOrder = 2;
                    c.UseKarrasSigmas = key.Trim().EndsWith("karras", StringComparison.OrdinalIgnoreCase);
                    return new DpmSolverMultistepScheduler(c);
                case "ddimscheduler":
                case "ddim":
                    return new DdimScheduler(c);
                case "lcmscheduler":
                case "lcm":
                    return new LcmScheduler(c);
                default:
                    throw new InstantIdException(
                        $"Unknown scheduler '{key}'; use one of {string.Join(", ", ShortNames)} or a diffusers class name ({string.Join(", ", ClassNames)}).");
            }
        }
    }
}
