"""Training and using the networks: the network, its trainer, the ensemble of runs, repeated training, the files.

Modules, from the network up. Notebook 03 calls network, trainer, repeated and files itself; the rest is one hop
away (trainer -> epoch, repeated -> ensemble):

  network   the network: TensorFlow imported quietly, TrainConfig, the one forward pass, Glorot start, the Keras
            layers, the Scaler (training rows' statistics), a run's seed and its RunResult
  epoch     several epochs of a group of runs as one graph call: RunGroup, batches, dropout masks (hash-based streams
            from each run's seed), Adam (Keras' rule), Keras' EarlyStopping for every run at once
  trainer   fit_networks (scale, carve, train; optional runs x rows mask of training rows), train_vectorized (every
            run at once), early_stopping_carves (the one carve recipe), train_sequential (the Keras reference)
  ensemble  stack_weights (the one stacking of networks), predict_scaled (the one forward pass of a stack over
            blocks of rows), predict_tesla, Ensemble, Network
  repeated  repeated_training: train and score n runs, save each as it finishes, resume finished runs on rerun
  files     save_network / load_network / read_weights, and load_saved_models: the one validated loader of an
            output folder's models

The package imports nothing itself (import the module you need, e.g. ``from helpers.modeling import repeated``);
TensorFlow loads only when a network is built or run, so low-level modules (intervals) can use ``trainer``'s carve
recipe cheaply.
"""
