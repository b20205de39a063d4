using System;

namespace InstantIdAvatars.Schedulers
{
    /// <summary>Creates schedulers from diffusers class names or the short names used in UIs and presets.</summary>
    public static class SchedulerFactory
    {
        /// <summary>The short names <see cref="Create"/> understands.</summary>
        public static readonly string[] ShortNames = { "euler", "euler_karras", "euler_trailing" };

        /// <summary>
        /// Builds a scheduler. <paramref name="name"/> is a diffusers <c>_class_name</c> (e.g.
        /// "EulerDiscreteScheduler") or a short name (euler, euler_karras, euler_trailing); the short names
        /// apply their overrides on a copy of <paramref name="config"/>, as diffusers users do with
        /// <c>Class.from_config(cfg, **overrides)</c>. A null name uses <c>config.ClassName</c>.
        /// </summary>
        /// <exception cref="InstantIdException">Unknown name, or a config the scheduler does not support.</exception>
        public static IScheduler Create(string? name, SchedulerConfig config)
        {
            if (config == null) throw new ArgumentNullException(nameof(config));
            var key = name ?? config.ClassName;
            if (string.IsNullOrEmpty(key))
                throw new InstantIdException("No scheduler name given and the config has no _class_name; pass e.g. \"euler\" or \"EulerDiscreteScheduler\".");
            var c = config.Clone();
            switch (key!.Trim())
            {
                case "EulerDiscreteScheduler":
                case "euler":
                    return new EulerDiscreteScheduler(c);
                case "euler_karras":
                    c.UseKarrasSigmas = true;
                    return new EulerDiscreteScheduler(c);
                case "euler_trailing":
                    c.TimestepSpacing = TimestepSpacing.Trailing;
                    return new EulerDiscreteScheduler(c);
                default:
                    throw new InstantIdException($"Unknown scheduler '{key}'; use one of {string.Join(", ", ShortNames)} or a supported diffusers class name.");
            }
        }
    }
}
