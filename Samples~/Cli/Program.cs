using System;
using System.CommandLine;
using System.Linq;
using Spectre.Console;

[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("InstantIdAvatars.Cli.Tests")]

namespace InstantIdAvatars.Cli
{
    /// <summary>`instantid`: generate images, analyse faces, manage identity profiles, validate model sets, benchmark.</summary>
    public static class Program
    {
        public static int Main(string[] args)
        {
            var root = new RootCommand("InstantID Avatars: identity-preserving SDXL images from one face photo, on ONNX Runtime.");
            root.Options.Add(CliOptions.Verbose);
            root.Subcommands.Add(GenerateCommand.Create());
            root.Subcommands.Add(AnalyzeCommand.Create());
            root.Subcommands.Add(ProfileCommands.Create());
            root.Subcommands.Add(ValidateCommand.Create());
            root.Subcommands.Add(BenchCommand.Create());
            return root.Parse(args).Invoke();
        }

        /// <summary>
        /// Runs a command body: package errors become one clear line and exit code 1 (2 for bad arguments);
        /// stack traces only with --verbose.
        /// </summary>
        public static int Run(ParseResult parse, Func<int> body)
        {
            bool verbose = parse.GetValue(CliOptions.Verbose);
            try { return body(); }
            catch (CliUsageException e) { Error(e.Message, null, verbose); return 2; }
            catch (InstantIdException e) { Error(e.Message, e, verbose); return 1; }
            catch (OperationCanceledException) { Error("cancelled", null, verbose); return 130; }
            catch (Exception e) when (e is System.IO.IOException || e is UnauthorizedAccessException)
            {
                Error(e.Message, e, verbose);
                return 1;
            }
            catch (Exception e)
            {
                Error("unexpected error: " + e.Message + (verbose ? "" : " (run with --verbose for details)"), e, verbose);
                return 3;
            }
        }

        static void Error(string message, Exception? e, bool verbose)
        {
            Console.Error.WriteLine("error: " + message);
            if (verbose && e != null) Console.Error.WriteLine(e);
        }

        /// <summary>Writes markup to stdout only when it is a terminal; plain text otherwise (for scripts and tests).</summary>
        public static void Info(string text)
        {
            if (Console.IsOutputRedirected) Console.WriteLine(Markup.Remove(text));
            else AnsiConsole.MarkupLine(text);
        }
    }

    /// <summary>The arguments make no sense together; exit code 2.</summary>
    public sealed class CliUsageException : Exception
    {
        public CliUsageException(string message) : base(message) { }
    }
}
