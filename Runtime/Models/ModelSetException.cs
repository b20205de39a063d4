using System;
using System.Collections.Generic;
using System.Linq;

namespace InstantIdAvatars.Models
{
    /// <summary>A model set is missing, broken or does not follow the contract. Lists every problem found.</summary>
    public sealed class ModelSetException : InstantIdException
    {
        public string Folder { get; }
        public IReadOnlyList<string> Problems { get; }

        public ModelSetException(string folder, IEnumerable<string> problems)
            : this(folder, problems.ToArray()) { }

        ModelSetException(string folder, string[] problems)
            : base(Format(folder, problems))
        {
            Folder = folder;
            Problems = problems;
        }

        static string Format(string folder, string[] problems) =>
            $"The model set at '{folder}' cannot be used ({problems.Length} problem{(problems.Length == 1 ? "" : "s")}):"
            + string.Concat(problems.Select(p => Environment.NewLine + "  - " + p))
            + Environment.NewLine + "Build a set with Tools~/export (see its README) or check `instantid validate <folder>`.";
    }

    /// <summary>The GPU ran out of memory while creating a session or running a model.</summary>
    public sealed class GpuOutOfMemoryException : InstantIdException
    {
        public GpuOutOfMemoryException(string what, Exception inner)
            : base($"The GPU ran out of memory while {what}. Turn on low-VRAM mode (GeneratorOptions.LowVram), "
                   + "use a float16 model set, a smaller image size, or close other GPU programs.", inner) { }
    }
}
