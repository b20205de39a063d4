using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using InstantIdAvatars.Imaging;
using InstantIdAvatars.Models;
using InstantIdAvatars.Pipeline;
using InstantIdAvatars.Profiles;

namespace InstantIdAvatars.Cli
{
    /// <summary>`instantid profile create|show`: identity profiles from photos, and what is in one.</summary>
    static class ProfileCommands
    {
        public static Command Create()
        {
            var command = new Command("profile", "Create or inspect identity profiles (.iidprofile).");
            command.Subcommands.Add(CreateCommand());
            command.Subcommands.Add(ShowCommand());
            return command;
        }

        static Command CreateCommand()
        {
            var faces = new Option<string[]>("--face", "-f") { Description = "Face photo (repeat for several photos of the same person).", Required = true, AllowMultipleArgumentsPerToken = true };
            var output = new Option<string>("--output", "-o") { Description = "Profile file to write (.iidprofile).", Required = true };
            var name = new Option<string?>("--name") { Description = "Name stored in the profile (default: the output file name)." };
            var models = CliOptions.Models();
            var provider = CliOptions.Provider();
            var command = new Command("create", "Analyse one or more photos of one person and save their identity.") { faces, output, name, models, provider };
            command.SetAction(parse => Program.Run(parse, () =>
            {
                var path = parse.GetValue(output)!;
                var folder = CliOptions.ModelSetFolder(parse.GetValue(models));
                using var generator = new InstantIdGenerator(folder, new GeneratorOptions { Sessions = new SessionSettings { Provider = parse.GetValue(provider) } });
                var photos = parse.GetValue(faces)!.Select(f => (Path.GetFileName(f), ImageLoader.Load(f))).ToList();
                IdentityProfile profile;
                try { profile = generator.CreateProfileAsync(photos, parse.GetValue(name) ?? Path.GetFileNameWithoutExtension(path)).GetAwaiter().GetResult(); }
                finally { foreach (var (_, image) in photos) image.Dispose(); }
                IdentityProfileFile.Save(profile, path);
                Console.WriteLine(IdentityProfileFile.ToJson(profile));
                Console.WriteLine($"saved {path}");
                return 0;
            }));
            return command;
        }

        static Command ShowCommand()
        {
            var file = new Argument<string>("file") { Description = "Profile file (.iidprofile)." };
            var command = new Command("show", "Print what a profile holds, as JSON.") { file };
            command.SetAction(parse => Program.Run(parse, () =>
            {
                Console.WriteLine(IdentityProfileFile.ToJson(IdentityProfileFile.Load(parse.GetValue(file)!)));
                return 0;
            }));
            return command;
        }
    }
}
