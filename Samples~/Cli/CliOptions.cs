using System;
using System.CommandLine;
using System.IO;
using InstantIdAvatars.Models;

namespace InstantIdAvatars.Cli
{
    /// <summary>Options shared by several commands.</summary>
    static class CliOptions
    {
        public static readonly Option<bool> Verbose = new Option<bool>("--verbose") { Description = "Print stack traces with errors.", Recursive = true };

        public static Option<string?> Models() => new Option<string?>("--models", "-m")
        {
            Description = "Model-set folder (made by Tools~/export). Default: the bundled tiny random-weight set, which produces noise.",
        };

        public static Option<ExecutionProvider> Provider() => new Option<ExecutionProvider>("--provider")
        {
            Description = "ONNX Runtime execution provider: Auto (GPU if this build has one, else CPU), Cuda, DirectML, CoreML, Cpu.",
            DefaultValueFactory = _ => ExecutionProvider.Auto,
        };

        /// <summary>Resolves --models, falling back to the bundled tiny set and saying so.</summary>
        public static string ModelSetFolder(string? given, bool quiet = false)
        {
            if (!string.IsNullOrWhiteSpace(given)) return given!;
            var tiny = FindTinySet() ?? throw new CliUsageException(
                "no --models given and the bundled tiny model set (Tests/Fixtures/TinyModelSet) was not found; pass --models <folder>");
            if (!quiet)
                Console.Error.WriteLine("note: using the bundled tiny model set (random weights: the image will be noise). "
                                        + "Build a real set with Tools~/export and pass --models <folder>.");
            return tiny;
        }

        static string? FindTinySet() => FindFixture(Path.Combine("TinyModelSet", ModelIndex.FileName)) is string index ? Path.GetDirectoryName(index) : null;

        /// <summary>The bundled astronaut photo (Tests/Fixtures/Faces), found from the working or the tool's folder.</summary>
        public static string BundledFace() => FindFixture(Path.Combine("Faces", "astronaut.png"))
            ?? throw new CliUsageException("the bundled photo Tests/Fixtures/Faces/astronaut.png was not found; pass --face <photo>");

        static string? FindFixture(string relative)
        {
            foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
                for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
                {
                    var candidate = Path.Combine(dir.FullName, "Tests", "Fixtures", relative);
                    if (File.Exists(candidate)) return candidate;
                }
            return null;
        }
    }
}
