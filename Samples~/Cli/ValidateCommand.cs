using System.CommandLine;
using System.Linq;
using InstantIdAvatars.Models;
using Spectre.Console;

namespace InstantIdAvatars.Cli
{
    /// <summary>`instantid validate`: checks a model set against the contract; non-zero exit when it is broken.</summary>
    static class ValidateCommand
    {
        public static Command Create()
        {
            var models = CliOptions.Models();
            var command = new Command("validate", "Check a model set: index, files, every model's inputs/outputs, and that the models fit together.") { models };
            command.SetAction(parse => Program.Run(parse, () =>
            {
                var folder = CliOptions.ModelSetFolder(parse.GetValue(models));
                var set = ModelSet.Open(folder);
                var signatures = set.Validate();
                var table = new Table().AddColumns("model", "inputs", "outputs");
                foreach (var pair in signatures)
                    table.AddRow(Markup.Escape(pair.Key),
                        Markup.Escape(string.Join("\n", pair.Value.Inputs.Select(i => i.ToString()))),
                        Markup.Escape(string.Join("\n", pair.Value.Outputs.Select(o => o.ToString()))));
                if (System.Console.IsOutputRedirected)
                    foreach (var pair in signatures)
                        System.Console.WriteLine($"{pair.Key}: {string.Join(", ", pair.Value.Inputs)} -> {string.Join(", ", pair.Value.Outputs)}");
                else AnsiConsole.Write(table);
                System.Console.WriteLine($"ok: {set.Folder} ({signatures.Count} models, {set.Index.DType}, default size {set.Index.DefaultWidth}x{set.Index.DefaultHeight}; "
                                         + $"providers in this build: {string.Join(", ", OrtSessionFactory.AvailableProviders())})");
                return 0;
            }));
            return command;
        }
    }
}
